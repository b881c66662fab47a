"""The demo client's survey authoring: a "why?" rule, a "not experienced" item, Turkish texts."""

import pytest
from django.core.management import call_command
from django.test import Client

from surveys.demo import ORGANISATION_SLUG
from surveys.demo_authoring import NOT_EXPERIENCED_ITEM, WHY_SATISFACTION_MAX
from surveys.models import Answer, Item, Response, Survey, WhyAnswer
from surveys.texts import missing_translations
from touchpoints.models import Organisation

pytestmark = pytest.mark.django_db


def test_demo_has_a_why_rule_a_not_experienced_item_and_turkish_surveys() -> None:
    # given: the demo client over three weeks
    call_command("seed_demo", "--days", "21", "--seed", "7", stdout=None)
    org = Organisation.objects.get(slug=ORGANISATION_SLUG)
    active = Survey.objects.filter(touchpoint__phase__journey__organisation=org, is_active=True)

    # then: Hotline asks "why?" and some of the customers asked answered it, each with a reason
    hotline = active.get(touchpoint__name="Hotline")
    assert hotline.why_satisfaction_max == WHY_SATISFACTION_MAX and hotline.why_on_detractor
    answered = WhyAnswer.objects.filter(response__survey=hotline)
    assert answered.count() > 20
    assert all(a.reasons.count() == 1 for a in answered[:50])
    low = Answer.objects.filter(
        response__survey=hotline, item__kind="paired", satisfaction__lte=WHY_SATISFACTION_MAX
    ).values_list("response_id", flat=True)
    detractors = Answer.objects.filter(
        response__survey=hotline, item__kind="nps", value__lte=6
    ).values_list("response_id", flat=True)
    assert set(answered.values_list("response_id", flat=True)) <= set(low) | set(detractors)

    # and: Filiale's waiting time offers "not experienced", used without scores
    item = Item.objects.get(
        survey__touchpoint__name="Filiale",
        survey__is_active=True,
        key=NOT_EXPERIENCED_ITEM,
        survey__touchpoint__phase__journey__organisation=org,
    )
    assert item.allow_not_experienced
    skipped = Answer.objects.filter(item=item, not_experienced=True)
    total = Answer.objects.filter(item=item).count()
    assert 0.08 * total < skipped.count() < 0.25 * total
    assert not skipped.exclude(expectation=None, satisfaction=None).exists()
    assert not Answer.objects.filter(not_experienced=True).exclude(item=item).exists()

    # and: exactly two surveys are fully in Turkish, the others list their missing texts
    complete = [
        s.touchpoint.name
        for s in active
        if "tr" not in missing_translations(s, languages=["de", "tr"], default_language="de")
    ]
    assert sorted(complete) == ["Filiale", "Hotline"]
    assert Response.objects.filter(survey=hotline).exists()


def test_demo_turkish_page_is_turkish() -> None:
    call_command("seed_demo", "--days", "2", "--seed", "7", stdout=None)
    hotline = Survey.objects.get(touchpoint__name="Hotline", is_active=True)

    html = Client().get(f"/s/{hotline.touchpoint.public_key}/?lang=tr").content.decode()

    assert '<html lang="tr" dir="ltr"' in html
    assert "Müşteri hattımızı aramanız nasıldı?" in html
    assert "Bekleme süresi" in html and "Ne bekliyordunuz?" in html
    assert "Gönder" in html
