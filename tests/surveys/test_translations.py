"""Any number of survey languages: side-by-side translation, fallbacks, missing texts listed."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from surveys.models import Item, Response, Survey
from surveys.texts import missing_translations, survey_text
from tests import factories

from .page_support import PageSetup, filled_form, make_page_setup, open_form

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


def _turkish(setup: PageSetup) -> None:
    organisation = setup.touchpoint.phase.journey.organisation
    organisation.extra_languages = "tr, pl"
    organisation.save()


def test_language_codes_are_checked() -> None:
    organisation = factories.touchpoint().phase.journey.organisation
    organisation.extra_languages = "tr, polish, 12"
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert "polish, 12" in str(error.value)


def test_missing_translations_are_listed_per_language() -> None:
    setup = make_page_setup()
    _turkish(setup)

    missing = missing_translations(
        setup.survey, languages=["de", "en", "tr", "pl"], default_language="de"
    )

    # German and English titles and labels are required fields; Turkish and Polish have none yet.
    assert "en" not in missing
    keys = [item.key for item in setup.survey.items.order_by("order")]
    # product texts such as the scale ends have built-in Turkish defaults, the survey's own not
    assert missing["tr"] == ["title", "intro", *keys]
    assert missing["pl"] == missing["tr"]


def test_consultant_translates_side_by_side_and_the_page_follows() -> None:
    setup = make_page_setup()
    _turkish(setup)
    client = Client()
    client.force_login(factories.consultant())
    url = reverse("admin:surveys_survey_texts", args=[setup.survey.pk]) + "?lang=tr"

    # the survey's page links the languages with what is missing
    change = client.get(reverse("admin:surveys_survey_change", args=[setup.survey.pk]), headers=EN)
    assert url in change.content.decode() and "missing" in change.content.decode()
    # the translation page shows the German text next to the Turkish field
    page = client.get(url, headers=EN).content.decode()
    assert "Zwei kurze Fragen zu Ihrem Besuch." in page and setup.paired[0].label_de in page
    saved = client.post(
        url,
        {
            "text.title": "Ziyaretiniz nasıldı?",
            "text.intro": "",
            f"item.{setup.paired[0].pk}": "Bekleme süresi",
            "text.submit": "Yolla",
        },
        headers=EN,
    )
    assert saved.status_code == 302
    setup.survey.refresh_from_db()
    assert setup.survey.texts["tr"] == {"title": "Ziyaretiniz nasıldı?", "submit": "Yolla"}
    assert Item.objects.get(pk=setup.paired[0].pk).labels == {"tr": "Bekleme süresi"}

    # the customer's browser asks for Turkish
    html = (
        Client()
        .get(setup.url, headers={"Accept-Language": "tr-TR,tr;q=0.9,en;q=0.5"})
        .content.decode()
    )
    assert '<html lang="tr" dir="ltr"' in html
    assert "Ziyaretiniz nasıldı?" in html and "Bekleme süresi" in html and "Yolla" in html
    assert "Ne bekliyordunuz?" in html  # built-in Turkish default
    # untranslated: the intro and the second label fall back to German, the default language
    assert "Zwei kurze Fragen zu Ihrem Besuch." in html and setup.paired[1].label_de in html
    # and the answer is stored as Turkish
    client_tr = Client()
    fields = open_form(client_tr, setup.url + "?lang=tr")
    assert client_tr.post(setup.url, filled_form(setup, fields)).status_code == 303
    assert Response.objects.get().language == "tr"


def test_unknown_languages_fall_back_and_the_api_refuses_them() -> None:
    setup = make_page_setup()
    html = Client().get(setup.url + "?lang=tr").content.decode()
    assert '<html lang="de"' in html  # Turkish is not one of this organisation's languages
    survey = Survey.objects.get(pk=setup.survey.pk)
    assert survey_text(survey, "submit", language="tr", default_language="de") == "Gönder"
    assert survey_text(survey, "title", language="fr", default_language="de") == survey.title_de
    api = Client().generic(
        "POST",
        "/api/v1/responses/",
        json.dumps(
            {
                "touchpoint": setup.touchpoint.public_key,
                "submission_id": "x1",
                "language": "tr",
                "answers": [{"item": "nps", "value": 9}],
            }
        ),
        content_type="application/json",
        headers=EN,
    )
    assert api.status_code == 400
    assert "language" in api.json()["errors"]
