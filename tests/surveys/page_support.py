"""Helpers for the survey page tests: a ready survey, the rendered form's fields, a filled form."""

import time
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from django.test import Client

from surveys.forms import render_token_new
from surveys.models import Item, Survey
from tests import factories
from touchpoints.models import Touchpoint


@dataclass(frozen=True)
class PageSetup:
    touchpoint: Touchpoint
    survey: Survey
    paired: list[Item]
    nps: Item
    comment: Item

    @property
    def url(self) -> str:
        return f"/s/{self.touchpoint.public_key}/"


def make_page_setup(*, origins: str = "", org_language: str = "de") -> PageSetup:
    tp = factories.touchpoint(origins=origins)
    org = tp.phase.journey.organisation
    if org.default_language != org_language:
        org.default_language = org_language
        org.save(update_fields=["default_language"])
    srv = factories.survey(tp=tp, paired=2)
    srv.intro_de = "Zwei kurze Fragen zu Ihrem Besuch."
    srv.intro_en = "Two short questions about your visit."
    srv.save(update_fields=["intro_de", "intro_en"])
    items = list(srv.items.order_by("order"))
    return PageSetup(
        touchpoint=tp,
        survey=srv,
        paired=[i for i in items if i.kind == Item.Kind.PAIRED],
        nps=next(i for i in items if i.kind == Item.Kind.NPS),
        comment=next(i for i in items if i.kind == Item.Kind.COMMENT),
    )


class _FormInputs(HTMLParser):
    """Collects the hidden inputs of the survey form (class sv-form)."""

    def __init__(self) -> None:
        super().__init__()
        self.in_form = False
        self.hidden: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and "sv-form" in a.get("class", ""):
            self.in_form = True
        elif tag == "input" and self.in_form and a.get("type") == "hidden":
            self.hidden[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False


def hidden_fields(html: str) -> dict[str, str]:
    parser = _FormInputs()
    parser.feed(html)
    return parser.hidden


def aged(fields: dict[str, str], *, seconds: float = 10.0) -> dict[str, str]:
    """The same hidden fields with a render token as if the form was shown `seconds` ago."""
    token = render_token_new(
        submission_id=fields["submission_id"], rendered_at=time.time() - seconds
    )
    return {**fields, "token": token}


def filled_form(setup: PageSetup, fields: dict[str, str], **extra: Any) -> dict[str, Any]:
    """A complete answer to the setup's survey on top of the page's hidden fields."""
    data: dict[str, Any] = dict(fields)
    data[f"e_{setup.paired[0].pk}"] = "6"
    data[f"s_{setup.paired[0].pk}"] = "4"
    data[f"e_{setup.paired[1].pk}"] = "5"
    data[f"s_{setup.paired[1].pk}"] = "7"
    data[f"v_{setup.nps.pk}"] = "9"
    data[f"t_{setup.comment.pk}"] = "Schnell und freundlich."
    data.update(extra)
    return data


def open_form(client: Client, url: str, **headers: Any) -> dict[str, str]:
    """GET the page and return its form's hidden fields, aged past the minimum fill time."""
    response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    return aged(hidden_fields(response.content.decode()))
