"""Survey authoring in the demo client: a "why?" rule, a "not experienced" item, Turkish texts.

- Hotline asks "why?" after a satisfaction of 3 or less or an NPS of 6 or less, offering four
  reasons; about 40 % of the customers asked answer it.
- Filiale offers "not experienced" for Wartezeit; about 15 % of its customers did not wait.
- Hotline and Filiale are translated into Turkish (the organisation's further language "tr").

Drawn from their own random stream, so the planted patterns of surveys.demo stay as they were.
"""

from collections.abc import Sequence

import numpy as np

from touchpoints.models import Organisation, Touchpoint

from .models import Answer, Item, Survey, WhyAnswer, WhyReason

WHY_TOUCHPOINT = "Hotline"
WHY_SATISFACTION_MAX = 3
WHY_ANSWER_SHARE = 0.4
WHY_REASONS = (
    ("waiting", "Zu lange Wartezeit", "Waited too long", "Çok uzun bekledim"),
    ("not-solved", "Anliegen nicht gelöst", "Problem not solved", "Sorunum çözülmedi"),
    ("unfriendly", "Unfreundlich", "Unfriendly", "Kaba davranıldı"),
    ("other", "Etwas anderes", "Something else", "Başka bir şey"),
)
NOT_EXPERIENCED_TOUCHPOINT = "Filiale"
NOT_EXPERIENCED_ITEM = "waiting-time"
NOT_EXPERIENCED_SHARE = 0.15
TURKISH: dict[str, dict[str, str]] = {
    "Hotline": {
        "title": "Müşteri hattımızı aramanız nasıldı?",
        "waiting-time": "Bekleme süresi",
        "friendliness": "Güler yüzlülük",
        "problem-solved": "Sorunun çözümü",
    },
    "Filiale": {
        "title": "Mağazamızı ziyaretiniz nasıldı?",
        "waiting-time": "Bekleme süresi",
        "friendliness": "Güler yüzlülük",
        "expertise": "Uzmanlık",
    },
}
TURKISH_INTRO = "Sadece birkaç tıklama – yanıtlarınız daha iyi olmamıza yardımcı olur."
TURKISH_NPS = (
    "Beispiel GmbH'yi bir arkadaşınıza veya meslektaşınıza tavsiye etme olasılığınız nedir?"
)
TURKISH_COMMENT = "Bize söylemek istediğiniz başka bir şey var mı?"


def demo_authoring_configure(
    *, organisation: Organisation, surveys: Sequence[tuple[Touchpoint, Survey]]
) -> None:
    """The demo's why rule, not-experienced item and Turkish translations."""
    organisation.extra_languages = "tr"
    organisation.save(update_fields=["extra_languages"])
    for touchpoint, survey in surveys:
        if touchpoint.name == WHY_TOUCHPOINT:
            survey.why_satisfaction_max = WHY_SATISFACTION_MAX
            survey.why_on_detractor = True
            WhyReason.objects.bulk_create(
                WhyReason(
                    survey=survey, key=key, label_de=de, label_en=en, labels={"tr": tr}, order=n
                )
                for n, (key, de, en, tr) in enumerate(WHY_REASONS, start=1)
            )
        if touchpoint.name == NOT_EXPERIENCED_TOUCHPOINT:
            Item.objects.filter(survey=survey, key=NOT_EXPERIENCED_ITEM).update(
                allow_not_experienced=True
            )
        labels = TURKISH.get(touchpoint.name)
        if labels:
            survey.texts = {"tr": {"title": labels["title"], "intro": TURKISH_INTRO}}
            for item in Item.objects.filter(survey=survey):
                fixed = {str(Item.Kind.NPS): TURKISH_NPS, str(Item.Kind.COMMENT): TURKISH_COMMENT}
                text = fixed.get(item.kind, labels.get(item.key, ""))
                if text:
                    item.labels = {"tr": text}
                    item.save(update_fields=["labels"])
        survey.save()


def demo_authoring_answers(*, seed: int, surveys: Sequence[tuple[Touchpoint, Survey]]) -> None:
    """Not-experienced answers at Filiale and answers to "why?" at Hotline."""
    rng = np.random.default_rng([seed, 13])
    for touchpoint, survey in surveys:
        if touchpoint.name == NOT_EXPERIENCED_TOUCHPOINT:
            ids = list(
                Answer.objects.filter(item__survey=survey, item__key=NOT_EXPERIENCED_ITEM)
                .values_list("pk", flat=True)
                .order_by("pk")
            )
            chosen = [
                pk
                for pk, pick in zip(ids, rng.random(len(ids)) < NOT_EXPERIENCED_SHARE, strict=True)
                if pick
            ]
            for start in range(0, len(chosen), 5000):
                Answer.objects.filter(pk__in=chosen[start : start + 5000]).update(
                    expectation=None, satisfaction=None, not_experienced=True
                )
        if touchpoint.name == WHY_TOUCHPOINT:
            _why_answers(rng, survey=survey)


def _why_answers(rng: np.random.Generator, *, survey: Survey) -> None:
    own = Answer.objects.filter(item__survey=survey)
    asked = sorted(
        set(
            own.filter(
                item__kind=Item.Kind.PAIRED, satisfaction__lte=WHY_SATISFACTION_MAX
            ).values_list("response_id", flat=True)
        )
        | set(
            own.filter(item__kind=Item.Kind.NPS, value__lte=6).values_list("response_id", flat=True)
        )
    )
    answering = [
        pk
        for pk, pick in zip(asked, rng.random(len(asked)) < WHY_ANSWER_SHARE, strict=True)
        if pick
    ]
    reasons = list(WhyReason.objects.filter(survey=survey).order_by("order"))
    # Waiting dominates at the Hotline (its planted gap is the waiting time).
    weights = np.array([0.45, 0.3, 0.1, 0.15])
    created = WhyAnswer.objects.bulk_create(WhyAnswer(response_id=pk, text="") for pk in answering)
    picks = rng.choice(len(reasons), size=len(created), p=weights)
    through = WhyAnswer.reasons.through
    through.objects.bulk_create(
        through(whyanswer_id=answer.pk, whyreason_id=reasons[int(k)].pk)
        for answer, k in zip(created, picks, strict=True)
    )
