from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from touchpoints.models import Language, Touchpoint


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
            models.CheckConstraint(
                condition=models.Q(scale_min__lt=models.F("scale_max")),
                name="survey_scale_min_below_max",
                violation_error_message=_("The scale minimum must be below the maximum."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.touchpoint} v{self.version}"

    def title_in(self, language: str) -> str:
        return self.title_de if language == Language.DE else self.title_en

    def intro_in(self, language: str) -> str:
        return self.intro_de if language == Language.DE else self.intro_en

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
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    label_de = models.CharField(_("label (German)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    required = models.BooleanField(_("required"), default=False)

    class Meta:
        ordering = ["survey", "order", "id"]
        verbose_name = _("item")
        verbose_name_plural = _("items")
        constraints = [
            models.UniqueConstraint(fields=["survey", "order"], name="item_unique_order"),
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=["paired", "nps", "overall", "effort", "comment", "contact"]
                ),
                name="item_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.label_en

    def label_in(self, language: str) -> str:
        return self.label_de if language == Language.DE else self.label_en


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
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
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

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="answer_unique_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.expectation}/{self.satisfaction}/{self.value}"
