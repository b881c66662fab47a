"""Survey versions: a draft of the next version, publishing it in one step, translations.

Customers never meet a gap: publishing retires the active version and activates the draft in
one transaction, so every reader sees exactly one active version before and after. Answers keep
the version they were given with (a form rendered on the old version is still accepted for it,
see `selectors.survey_for_submission`).
"""

from collections.abc import Mapping

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cxmonitor.errors import ApplicationError
from touchpoints.models import Touchpoint

from .models import Item, Survey, WhyReason
from .texts import PRODUCT_TEXTS, SURVEY_TEXTS

SCALED_KINDS = (Item.Kind.PAIRED, Item.Kind.OVERALL, Item.Kind.EFFORT)
TEXT_MAX = 2000


def _user_or_none(user: AbstractBaseUser | AnonymousUser | None) -> AbstractBaseUser | None:
    return user if user is not None and user.is_authenticated else None


@transaction.atomic
def survey_draft_get_or_create(*, touchpoint_id: int) -> tuple[Survey, bool]:
    """The touchpoint's draft of its next version; created as a copy of the newest version.

    Returns (draft, created). Items keep their keys, so statistics continue across versions.
    """
    # Serialise drafting and publishing per touchpoint.
    Touchpoint.objects.select_for_update().filter(pk=touchpoint_id).first()
    draft = Survey.objects.filter(touchpoint_id=touchpoint_id, is_draft=True).first()
    if draft is not None:
        return draft, False
    source = (
        Survey.objects.filter(touchpoint_id=touchpoint_id)
        .exclude(is_draft=True)
        .order_by("-is_active", "-version")
        .prefetch_related("items", "reasons")
        .first()
    )
    latest = Survey.objects.filter(touchpoint_id=touchpoint_id).aggregate(v=Max("version"))["v"]
    if source is None:
        draft = Survey.objects.create(
            touchpoint_id=touchpoint_id, version=1, title_de="", title_en="", is_draft=True
        )
        return draft, True
    draft = Survey.objects.create(
        touchpoint_id=touchpoint_id,
        version=(latest or 0) + 1,
        is_draft=True,
        title_de=source.title_de,
        title_en=source.title_en,
        intro_de=source.intro_de,
        intro_en=source.intro_en,
        scale_min=source.scale_min,
        scale_max=source.scale_max,
        texts=source.texts,
        why_satisfaction_max=source.why_satisfaction_max,
        why_on_detractor=source.why_on_detractor,
    )
    _questions_copy(source=source, draft=draft)
    return draft, True


def _questions_copy(*, source: Survey, draft: Survey) -> None:
    """The source version's items (with their keys) and reasons, into the draft."""
    Item.objects.bulk_create(
        Item(
            survey=draft,
            key=item.key,
            kind=item.kind,
            label_de=item.label_de,
            label_en=item.label_en,
            labels=item.labels,
            order=item.order,
            required=item.required,
            allow_not_experienced=item.allow_not_experienced,
        )
        for item in source.items.all()
    )
    WhyReason.objects.bulk_create(
        WhyReason(
            survey=draft,
            key=reason.key,
            label_de=reason.label_de,
            label_en=reason.label_en,
            labels=reason.labels,
            order=reason.order,
        )
        for reason in source.reasons.all()
    )


def survey_publish_problems(*, survey: Survey) -> list[str]:
    """Why a draft cannot go live (empty list: it can)."""
    problems: list[str] = []
    if not survey.is_draft:
        problems.append(_("This version is already published."))
        return problems
    items = list(survey.items.all())
    if not items:
        problems.append(_("The draft has no questions."))
    if not survey.title_de.strip() or not survey.title_en.strip():
        problems.append(_("The draft needs a German and an English title."))
    earlier = {
        key: (kind, scale)
        for key, kind, *scale in Item.objects.filter(
            survey__touchpoint_id=survey.touchpoint_id, survey__is_draft=False
        ).values_list("key", "kind", "survey__scale_min", "survey__scale_max")
    }
    for item in items:
        if item.key not in earlier:
            continue
        kind, scale = earlier[item.key]
        if kind != item.kind:
            problems.append(
                _("The key “%(key)s” was a question of another kind before; give it a new key.")
                % {"key": item.key}
            )
        elif item.kind in SCALED_KINDS and tuple(scale) != (survey.scale_min, survey.scale_max):
            # The same key means figures are added up across versions: scales must agree.
            problems.append(
                _("The scale changed, so “%(key)s” needs a new key (its figures cannot continue).")
                % {"key": item.key}
            )
    return problems


@transaction.atomic
def survey_publish(
    *, survey_id: int, user: AbstractBaseUser | AnonymousUser | None = None
) -> Survey:
    """Make a draft the touchpoint's active version in one transaction.

    The previous active version is retired first, then the draft activated, inside one
    transaction: the partial unique index "one active survey per touchpoint" holds at every
    statement, and other transactions see either the old or the new version, never neither.
    """
    survey = Survey.objects.select_related("touchpoint").get(pk=survey_id)
    # Two consultants publishing at once: the second waits here and then finds no draft.
    Touchpoint.objects.select_for_update().filter(pk=survey.touchpoint_id).first()
    survey.refresh_from_db()
    problems = survey_publish_problems(survey=survey)
    if problems:
        raise ApplicationError(" ".join(problems), fields={"survey": problems})
    now = timezone.now()
    Survey.objects.filter(touchpoint_id=survey.touchpoint_id, is_active=True).update(
        is_active=False, retired_at=now
    )
    survey.is_active = True
    survey.is_draft = False
    survey.published_at = now
    survey.published_by = _user_or_none(user)  # type: ignore[assignment]
    survey.retired_at = None
    survey.save(
        update_fields=["is_active", "is_draft", "published_at", "published_by", "retired_at"]
    )
    return survey


def _clean_text(value: str) -> str:
    return value.strip()[:TEXT_MAX]


def _survey_texts_apply(survey: Survey, *, language: str, values: Mapping[str, str]) -> None:
    """Survey-wide texts ("text.<key>") into the survey's columns or its texts by language."""
    texts = {lang: dict(entries) for lang, entries in (survey.texts or {}).items()}
    own = texts.setdefault(language, {})
    for name, raw in values.items():
        kind, _sep, ref = name.partition(".")
        if kind != "text" or (ref not in PRODUCT_TEXTS and ref not in SURVEY_TEXTS):
            continue
        value = _clean_text(raw)
        if ref in SURVEY_TEXTS and language in ("de", "en"):
            setattr(survey, f"{ref}_{language}", value)
        elif value:
            own[ref] = value
        else:
            own.pop(ref, None)
    survey.texts = {lang: entries for lang, entries in texts.items() if entries}


def _label_apply(row: Item | WhyReason, *, language: str, value: str) -> None:
    """One item's or reason's label: German and English in their columns, others in labels."""
    if language in ("de", "en"):
        if value:  # the German and English labels are required
            setattr(row, f"label_{language}", value)
        return
    labels = dict(row.labels or {})
    if value:
        labels[language] = value
    else:
        labels.pop(language, None)
    row.labels = labels


@transaction.atomic
def survey_texts_save(
    *, survey: Survey, language: str, values: Mapping[str, str], default_language: str
) -> None:
    """Store the texts of one language: survey texts, item labels and reason labels.

    Keys of `values` are the translation form's field names ("text.<key>", "item.<id>",
    "reason.<id>"). German and English titles, intros and labels live in their own columns.
    """
    _survey_texts_apply(survey, language=language, values=values)
    survey.save()
    if language == default_language:
        return
    rows: list[Item | WhyReason] = [*survey.items.all(), *survey.reasons.all()]
    for row in rows:
        name = f"{'item' if isinstance(row, Item) else 'reason'}.{row.pk}"
        if name in values:
            _label_apply(row, language=language, value=_clean_text(values[name]))
            row.save()
