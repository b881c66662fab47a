from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Now
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from touchpoints.models import Language, Touchpoint

# Texts in languages beyond German and English: {"tr": {"title": "...", ...}, ...}.
TranslatedTexts = dict[str, dict[str, str]]


class Survey(models.Model):
    """One version of the micro-survey shown at a touchpoint; one active version at a time."""

    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="surveys")
    version = models.PositiveIntegerField(_("version"), default=1)
    title_de = models.CharField(_("title (German)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    intro_de = models.TextField(_("intro (German)"), blank=True)
    intro_en = models.TextField(_("intro (English)"), blank=True)
    scale_min = models.SmallIntegerField(_("scale minimum"), default=1)
    scale_max = models.SmallIntegerField(_("scale maximum"), default=7)
    is_active = models.BooleanField(_("active"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # The draft of the next version (at most one per touchpoint); published in one step.
    is_draft = models.BooleanField(_("draft"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    retired_at = models.DateTimeField(_("replaced at"), null=True, blank=True)
    # Customer-facing texts by language and text key ("nps_low", "thanks_text", ...); a missing
    # or blank text falls back to the product's default for that language.
    texts = models.JSONField(_("texts"), default=dict, blank=True)
    # "Why?" rule: after a satisfaction score at or below this, or an NPS of 6 or less (if
    # why_on_detractor), the customer is asked for the reason in a second step.
    why_satisfaction_max = models.SmallIntegerField(
        _("ask why at satisfaction at or below"), null=True, blank=True
    )
    why_on_detractor = models.BooleanField(_("ask why at an NPS of 6 or less"), default=False)

    class Meta:
        ordering = ["touchpoint", "-version"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [
            models.UniqueConstraint(fields=["touchpoint", "version"], name="survey_unique_version"),
            models.UniqueConstraint(
                fields=["touchpoint"],
                condition=models.Q(is_active=True),
                name="survey_one_active_per_touchpoint",
                violation_error_message=_("This touchpoint already has an active survey."),
            ),
            models.UniqueConstraint(
                fields=["touchpoint"],
                condition=models.Q(is_draft=True),
                name="survey_one_draft_per_touchpoint",
                violation_error_message=_("This touchpoint already has a draft."),
            ),
            models.CheckConstraint(
                condition=models.Q(scale_min__lt=models.F("scale_max")),
                name="survey_scale_min_below_max",
                violation_error_message=_("The scale minimum must be below the maximum."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.touchpoint} v{self.version}"

    @property
    def asks_why(self) -> bool:
        return self.why_satisfaction_max is not None or self.why_on_detractor

    def title_in(self, language: str) -> str:
        if language in (Language.DE, Language.EN):
            return self.title_de if language == Language.DE else self.title_en
        return str((self.texts.get(language) or {}).get("title", ""))

    def intro_in(self, language: str) -> str:
        if language in (Language.DE, Language.EN):
            return self.intro_de if language == Language.DE else self.intro_en
        return str((self.texts.get(language) or {}).get("intro", ""))

    def clean(self) -> None:
        if (
            self.scale_min is not None
            and self.scale_max is not None
            and self.scale_min >= self.scale_max
        ):
            raise ValidationError({"scale_max": _("The scale maximum must be above the minimum.")})


class Item(models.Model):
    """One question of a survey."""

    class Kind(models.TextChoices):
        PAIRED = "paired", _("expectation and satisfaction")
        NPS = "nps", _("recommendation (NPS 0–10)")
        OVERALL = "overall", _("overall satisfaction")
        EFFORT = "effort", _("effort")
        COMMENT = "comment", _("comment")
        CONTACT = "contact", _("contact for follow-up (with consent)")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="items")
    # Stable identity of the question across versions: API clients post it, statistics of the
    # same key continue across versions. A question whose meaning changes gets a new key.
    key = models.SlugField(
        _("key"),
        max_length=50,
        help_text=_("Stable name of the question, e.g. waiting-time; kept across versions."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    label_de = models.CharField(_("label (German)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200)
    labels = models.JSONField(_("labels in further languages"), default=dict, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    required = models.BooleanField(_("required"), default=False)
    allow_not_experienced = models.BooleanField(
        _("offer “not experienced”"),
        default=False,
        help_text=_("Paired items only: the customer may skip it as not experienced."),
    )

    class Meta:
        ordering = ["survey", "order", "id"]
        verbose_name = _("item")
        verbose_name_plural = _("items")
        constraints = [
            models.UniqueConstraint(fields=["survey", "order"], name="item_unique_order"),
            models.UniqueConstraint(fields=["survey", "key"], name="item_unique_key"),
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=["paired", "nps", "overall", "effort", "comment", "contact"]
                ),
                name="item_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.label_en

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.key and self.survey_id:
            taken = set(Item.objects.filter(survey_id=self.survey_id).values_list("key", flat=True))
            self.key = item_key_suggest(kind=self.kind, label=self.label_en, taken=taken)
        super().save(*args, **kwargs)

    def label_in(self, language: str) -> str:
        if language in (Language.DE, Language.EN):
            return self.label_de if language == Language.DE else self.label_en
        return str(self.labels.get(language, ""))


def item_key_suggest(*, kind: str, label: str, taken: set[str]) -> str:
    """A key for a new item: its kind for single questions, else a slug of its English label."""
    base = kind if kind != Item.Kind.PAIRED else (slugify(label)[:40] or "item")
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    return key


class Response(models.Model):
    """One submission at a touchpoint. Never stores an IP address or a raw customer id."""

    class Channel(models.TextChoices):
        PAGE = "page", _("survey page")
        EMBED = "embed", _("embed")
        QR = "qr", _("QR code")
        LINK = "link", _("link")
        KIOSK = "kiosk", _("kiosk")
        API = "api", _("API")

    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="responses")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    submitted_at = models.DateTimeField(_("submitted at"), db_index=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=8)
    customer_key = models.CharField(
        _("pseudonymous customer key"), max_length=64, null=True, blank=True, db_index=True
    )
    submission_id = models.CharField(_("submission id"), max_length=64)
    segment = models.JSONField(_("segment attributes"), default=dict, blank=True)
    # Contact data (a contact item's answer) is only accepted when this is true.
    contact_consent = models.BooleanField(_("consented to be contacted"), default=False)
    # When the row was written; submitted_at may lie up to 30 days earlier. The periodic sweep
    # re-aggregates the days of recently received answers, whichever days they fall on.
    received_at = models.DateTimeField(_("received at"), db_default=Now(), editable=False)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        constraints = [
            models.UniqueConstraint(
                fields=["touchpoint", "submission_id"], name="response_unique_submission"
            ),
        ]
        indexes = [
            models.Index(fields=["touchpoint", "submitted_at"], name="response_tp_time"),
            models.Index(fields=["received_at"], name="response_received"),
        ]

    def __str__(self) -> str:
        return f"{self.touchpoint} @ {self.submitted_at:%Y-%m-%d %H:%M}"


class Answer(models.Model):
    """One item's scores within a response."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="answers")
    expectation = models.SmallIntegerField(_("expectation"), null=True, blank=True)
    satisfaction = models.SmallIntegerField(_("satisfaction"), null=True, blank=True)
    value = models.SmallIntegerField(_("value"), null=True, blank=True)
    text = models.TextField(_("text"), blank=True)
    # The customer did not experience this attribute: no scores, counted as a share per item.
    not_experienced = models.BooleanField(_("not experienced"), default=False)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="answer_unique_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.expectation}/{self.satisfaction}/{self.value}"


class WhyReason(models.Model):
    """A reason the customer may pick when asked "why?" after a low score."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="reasons")
    key = models.SlugField(_("key"), max_length=50)
    label_de = models.CharField(_("label (German)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200)
    labels = models.JSONField(_("labels in further languages"), default=dict, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["survey", "order", "id"]
        verbose_name = _("reason")
        verbose_name_plural = _("reasons")
        constraints = [
            models.UniqueConstraint(fields=["survey", "key"], name="reason_unique_key"),
        ]

    def __str__(self) -> str:
        return self.label_en

    def label_in(self, language: str) -> str:
        if language in (Language.DE, Language.EN):
            return self.label_de if language == Language.DE else self.label_en
        return str(self.labels.get(language, ""))


class WhyAnswer(models.Model):
    """The answer to the "why?" step, stored with the response it follows (at most one)."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="why_answer")
    text = models.TextField(_("text"), blank=True)
    reasons: "models.ManyToManyField[WhyReason, Any]" = models.ManyToManyField(
        WhyReason, blank=True, related_name="answers", verbose_name=_("reasons")
    )
    created_at = models.DateTimeField(_("answered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("answer to “why?”")
        verbose_name_plural = _("answers to “why?”")

    def __str__(self) -> str:
        return f"{self.response_id}: {self.text[:40]}"
