# size: the demo generator is one seeded story; its parts share the random stream and arrays.
"""Demo client "Beispiel GmbH" with synthetic responses that carry planted, documented patterns.

The client has one journey ("Customer Journey", the five default phases), eight departments and
18 touchpoints, each with one active survey (1-3 paired items on a 1-7 scale, an NPS item and a
comment). Responses cover `days` days ending on `end` (default: yesterday in Europe/Berlin).
Day index d runs from 0 (first day) to E = days - 1 (end day).

How a response is drawn (all numbers are module constants below):
- Daily volume per touchpoint: Poisson(base volume x weekday factor x pattern factor x
  lognormal day noise with sd `VOLUME_DAY_SD`), scaled by `VOLUME_SCALE`.
- Each respondent has a latent attitude a ~ N(0, 1). `LINKED_SHARE` (30%) of responses carry a
  customer key from a pool of about one customer per `RESPONSES_PER_CUSTOMER` linked responses
  (online the key of the customer number "kunde-<n>", offline that of their phone number; the
  CRM mapping file of `identity.demo` joins both in the golden record); a pooled customer keeps
  their attitude at every touchpoint, so their answers recur and hang together across
  touchpoints.
- Paired item: expectation = round(mu_e + N(0, `EXPECTATION_SD`)); satisfaction = round(mu_s +
  touchpoint-day noise N(0, `DAY_SD`) + weekday effect + pattern shift + w x a + N(0,
  `SATISFACTION_SD`)), both clipped to 1..7. w is the touchpoint's loyalty weight: how strongly
  satisfaction there follows the customer's attitude.
- NPS: round(nps_mu + `NPS_ATTITUDE` x a + `NPS_SATISFACTION` x (mean satisfaction of the
  response - the touchpoint's baseline satisfaction) + N(0, `NPS_SD`)), clipped to 0..10. So a
  customer's recommendation follows their satisfaction where w is high: derived importance is
  highest for Hotline, Lieferung and Produkt im Einsatz, lowest for Onlineshop and the marketing
  touchpoints.

Planted patterns (the dashboards must reveal them):
a) Hotline: expectation far above satisfaction, mean gap about -1.5 (Wartezeit about -2,
   Freundlichkeit about -0.9, Lösung about -1.6).
b) Onlineshop: satisfaction about 6 of 7, yet NPS near -20 (nps_mu 6.9, loyalty weight 0.2):
   satisfied, but few promoters.
c) Social-Media-Kampagne: volume x `CAMPAIGN_VOLUME` for `CAMPAIGN_DAYS` days starting
   `CAMPAIGN_BEFORE_END` days before the end day (d = E-35 .. E-31); `HOTLINE_LAG` days after
   each campaign day the Hotline's satisfaction drops by `HOTLINE_DROP` and its volume rises by
   `HOTLINE_DROP_VOLUME` (d = E-28 .. E-24). Cross-correlating Social-Media volume with Hotline
   satisfaction shows its strongest (negative) value at a lag of 7 days. Needs days >= 36.
d) Lieferung: satisfaction drops by `DELIVERY_DROP` over the last `DELIVERY_DROP_DAYS` days
   (d = E-6 .. E).
e) About 30% of responses carry a customer key; pooled customers answer at several touchpoints.
f) Hotline, Lieferung, Reklamation and Support-Mail ask for contact details; in the last three
   weeks some customers, mostly detractors, left an address with consent (`demo_contacts`), so
   the follow-up queue has entries.

Deterministic: one numpy Generator seeded with `seed` draws everything in a fixed order, and
times derive from the end day, so the same seed and end day give identical rows.
"""

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.db import transaction
from django.db.models import Model, ProtectedError
from django.utils import timezone
from django.utils.text import slugify
from rest_framework import status

from cxmonitor.errors import ApplicationError
from touchpoints.models import Department, Membership, Organisation, Touchpoint
from touchpoints.services import journey_create

from . import demo_comments
from .demo_authoring import demo_authoring_answers, demo_authoring_configure
from .demo_contacts import demo_contacts_add
from .identity.demo import demo_identities_link, demo_silo_keys
from .models import Answer, Item, Response, Survey

ORGANISATION_NAME = "Beispiel GmbH"
ORGANISATION_SLUG = "beispiel"
TIME_ZONE = "Europe/Berlin"
JOURNEY_NAME = "Customer Journey"
ALLOWED_ORIGIN = "https://www.beispiel.example"
DEPARTMENTS = (
    "Marketing",
    "Vertrieb",
    "Rechnungswesen",
    "Logistik",
    "Produktion",
    "Service",
    "Support",
    "Kundendienst",
)
SCALE = (1, 7)
DAYS_MAX = 730
BATCH_SIZE = 2000

VOLUME_SCALE = 1.1
VOLUME_DAY_SD = 0.15
LINKED_SHARE = 0.30
RESPONSES_PER_CUSTOMER = 4
ENGLISH_SHARE = 0.12
EXPECTATION_SD = 0.8
SATISFACTION_SD = 0.85
# Day-to-day satisfaction noise per touchpoint: at 0.12 chance dips of small touchpoints (e.g. the
# Newsletter) raised the first alert a manager saw on the demo; 0.06 keeps days varying.
DAY_SD = 0.06
NPS_ATTITUDE = 1.0
NPS_SATISFACTION = 0.6
NPS_SD = 1.3
COMMENT_SHARE = 0.12
COMMENT_SHARE_UNHAPPY = 0.35

CAMPAIGN_TOUCHPOINT = "Social-Media-Kampagne"
CAMPAIGN_BEFORE_END = 35
CAMPAIGN_DAYS = 5
CAMPAIGN_VOLUME = 3.5
HOTLINE_TOUCHPOINT = "Hotline"
HOTLINE_LAG = 7
HOTLINE_DROP = 1.3
HOTLINE_DROP_VOLUME = 1.5
DELIVERY_TOUCHPOINT = "Lieferung"
DELIVERY_DROP = 1.5
DELIVERY_DROP_DAYS = 7

# Weekday factors Monday..Sunday.
OFFICE = (1.15, 1.05, 1.0, 1.0, 0.9, 0.2, 0.05)
STORE = (0.85, 0.9, 0.95, 1.0, 1.15, 1.45, 0.0)
ONLINE = (0.95, 0.95, 0.95, 1.0, 1.0, 1.1, 1.15)
HOTLINE_HOURS = (1.35, 1.1, 1.0, 1.0, 0.9, 0.5, 0.25)
DELIVERIES = (1.2, 1.1, 1.0, 1.0, 1.0, 0.7, 0.0)
MAILING = (0.6, 1.7, 0.8, 1.5, 0.8, 0.4, 0.3)
NO_EFFECT = (0.0,) * 7

SHOP_EMBED = (("embed", 0.7), ("page", 0.1), ("link", 0.2))
MAIL_LINK = (("link", 0.9), ("page", 0.1))
PAPER = (("link", 0.7), ("qr", 0.3))
STORE_CHANNELS = (("qr", 0.5), ("kiosk", 0.3), ("link", 0.2))


@dataclass(frozen=True)
class ItemSpec:
    label_de: str
    label_en: str
    expectation: float
    satisfaction: float


@dataclass(frozen=True)
class TouchpointSpec:
    name: str
    phase: int
    channel: str
    department: str
    volume: float
    title_de: str
    title_en: str
    items: tuple[ItemSpec, ...]
    nps: float
    loyalty_weight: float
    channels: tuple[tuple[str, float], ...]
    weekday_volume: tuple[float, ...]
    weekday_satisfaction: tuple[float, ...] = NO_EFFECT
    description: str = ""


def _item(de: str, en: str, e: float, s: float) -> ItemSpec:
    return ItemSpec(label_de=de, label_en=en, expectation=e, satisfaction=s)


TOUCHPOINTS: tuple[TouchpointSpec, ...] = (
    TouchpointSpec(
        "Website", 1, "online", "Marketing", 75,
        "Wie gut hat Ihnen unsere Website geholfen?", "How well did our website help you?",
        (_item("Übersichtlichkeit", "Clarity", 5.4, 5.5),
         _item("Informationsgehalt", "Information content", 5.6, 5.2)),
        nps=8.3, loyalty_weight=0.3, channels=SHOP_EMBED, weekday_volume=ONLINE,
        description="www.beispiel.example",
    ),
    TouchpointSpec(
        "Social-Media-Kampagne", 1, "online", "Marketing", 22,
        "Wie gefällt Ihnen unsere Kampagne?", "How do you like our campaign?",
        (_item("Ansprache", "Appeal", 4.8, 5.1),),
        nps=8.0, loyalty_weight=0.2, channels=(("embed", 0.5), ("link", 0.5)),
        weekday_volume=ONLINE, description="Instagram, LinkedIn, Facebook",
    ),
    TouchpointSpec(
        "Messestand", 1, "offline", "Vertrieb", 16,
        "Wie war Ihr Besuch an unserem Messestand?", "How was your visit to our stand?",
        (_item("Freundlichkeit", "Friendliness", 5.8, 6.1),
         _item("Kompetenz", "Expertise", 5.9, 5.7)),
        nps=8.5, loyalty_weight=0.4, channels=(("kiosk", 0.6), ("qr", 0.4)),
        weekday_volume=OFFICE,
    ),
    TouchpointSpec(
        "Produktberatung", 2, "offline", "Vertrieb", 24,
        "Wie war unsere Beratung?", "How was our advice?",
        (_item("Kompetenz", "Expertise", 6.0, 5.8),
         _item("Verständlichkeit", "Clarity", 5.6, 5.5),
         _item("Zeit für mich", "Time taken for me", 5.5, 5.6)),
        nps=8.4, loyalty_weight=0.6, channels=(("qr", 0.4), ("link", 0.6)),
        weekday_volume=OFFICE,
    ),
    TouchpointSpec(
        "Angebot", 2, "offline", "Vertrieb", 20,
        "Wie zufrieden sind Sie mit unserem Angebot?", "How satisfied are you with our quote?",
        (_item("Preis-Leistung", "Value for money", 5.2, 4.8),
         _item("Bearbeitungszeit", "Processing time", 5.4, 5.1)),
        nps=8.0, loyalty_weight=0.5, channels=PAPER, weekday_volume=OFFICE,
    ),
    TouchpointSpec(
        "Chatbot", 2, "online", "Kundendienst", 32,
        "Konnte unser Chatbot Ihnen helfen?", "Could our chatbot help you?",
        (_item("Verständnis meiner Frage", "Understood my question", 5.0, 4.6),
         _item("Schnelligkeit", "Speed", 5.8, 5.9)),
        nps=7.9, loyalty_weight=0.3, channels=(("api", 0.85), ("embed", 0.15)),
        weekday_volume=ONLINE,
    ),
    TouchpointSpec(
        "Onlineshop", 3, "online", "Vertrieb", 90,
        "Wie war Ihr Einkauf in unserem Onlineshop?", "How was shopping in our online shop?",
        (_item("Bedienbarkeit", "Ease of use", 5.6, 6.2),
         _item("Produktauswahl", "Product range", 5.5, 6.0)),
        nps=6.9, loyalty_weight=0.2, channels=SHOP_EMBED, weekday_volume=ONLINE,
        description="shop.beispiel.example",
    ),
    TouchpointSpec(
        "Filiale", 3, "offline", "Vertrieb", 48,
        "Wie war Ihr Besuch in unserer Filiale?", "How was your visit to our store?",
        (_item("Wartezeit", "Waiting time", 5.0, 4.9),
         _item("Freundlichkeit", "Friendliness", 5.8, 5.9),
         _item("Kompetenz", "Expertise", 5.6, 5.6)),
        nps=8.3, loyalty_weight=0.5, channels=STORE_CHANNELS, weekday_volume=STORE,
        # Saturdays are crowded.
        weekday_satisfaction=(0.0, 0.0, 0.0, 0.0, 0.0, -0.3, 0.0),
        description="Hamburg, Köln, München",
    ),
    TouchpointSpec(
        "Lieferung", 3, "offline", "Logistik", 58,
        "Wie zufrieden sind Sie mit der Lieferung?", "How satisfied are you with the delivery?",
        (_item("Pünktlichkeit", "Punctuality", 5.9, 5.7),
         _item("Zustand der Ware", "Condition of the goods", 6.1, 6.0)),
        nps=8.3, loyalty_weight=0.8, channels=(("qr", 0.6), ("link", 0.4)),
        weekday_volume=DELIVERIES,
    ),
    TouchpointSpec(
        "Rechnung", 3, "offline", "Rechnungswesen", 30,
        "Wie verständlich ist unsere Rechnung?", "How clear is our invoice?",
        (_item("Verständlichkeit", "Clarity", 5.4, 5.0),
         _item("Richtigkeit", "Correctness", 6.4, 6.1)),
        nps=8.1, loyalty_weight=0.4, channels=PAPER, weekday_volume=OFFICE,
    ),
    TouchpointSpec(
        "Hotline", 4, "offline", "Support", 62,
        "Wie war Ihr Anruf bei unserer Hotline?", "How was your call to our hotline?",
        (_item("Wartezeit", "Waiting time", 6.3, 4.1),
         _item("Freundlichkeit", "Friendliness", 6.3, 5.4),
         _item("Lösung", "Problem solved", 6.5, 4.9)),
        nps=7.9, loyalty_weight=0.9, channels=(("link", 0.55), ("api", 0.45)),
        weekday_volume=HOTLINE_HOURS,
    ),
    TouchpointSpec(
        "Support-Mail", 4, "online", "Support", 32,
        "Wie zufrieden sind Sie mit unserer Antwort?", "How satisfied are you with our reply?",
        (_item("Antwortzeit", "Response time", 5.5, 4.9),
         _item("Lösung", "Problem solved", 6.0, 5.6)),
        nps=7.9, loyalty_weight=0.6, channels=MAIL_LINK, weekday_volume=OFFICE,
        # Monday's backlog from the weekend.
        weekday_satisfaction=(-0.25, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
    ),
    TouchpointSpec(
        "Kundenportal", 4, "online", "Service", 27,
        "Wie gut finden Sie sich im Kundenportal zurecht?", "How easy is our customer portal?",
        (_item("Bedienbarkeit", "Ease of use", 5.5, 5.3),
         _item("Auffindbarkeit", "Finding information", 5.4, 5.0)),
        nps=8.2, loyalty_weight=0.4, channels=SHOP_EMBED, weekday_volume=ONLINE,
        description="portal.beispiel.example",
    ),
    TouchpointSpec(
        "Montage", 4, "offline", "Service", 14,
        "Wie war der Montagetermin?", "How was the installation appointment?",
        (_item("Pünktlichkeit", "Punctuality", 6.0, 5.8),
         _item("Sauberkeit", "Tidiness", 5.8, 6.0)),
        nps=8.6, loyalty_weight=0.6, channels=(("link", 0.8), ("qr", 0.2)),
        weekday_volume=OFFICE,
    ),
    TouchpointSpec(
        "Produkt im Einsatz", 4, "offline", "Produktion", 22,
        "Wie bewährt sich unser Produkt?", "How is our product holding up?",
        (_item("Qualität", "Quality", 6.2, 6.0),
         _item("Haltbarkeit", "Durability", 6.0, 5.9)),
        nps=8.6, loyalty_weight=0.8, channels=(("qr", 0.7), ("link", 0.3)),
        weekday_volume=ONLINE,
    ),
    TouchpointSpec(
        "Newsletter", 4, "online", "Marketing", 22,
        "Wie gefällt Ihnen unser Newsletter?", "How do you like our newsletter?",
        (_item("Relevanz", "Relevance", 4.8, 4.6),),
        nps=8.0, loyalty_weight=0.2, channels=MAIL_LINK, weekday_volume=MAILING,
    ),
    TouchpointSpec(
        "Reklamation", 4, "offline", "Kundendienst", 12,
        "Wie wurde Ihre Reklamation bearbeitet?", "How was your complaint handled?",
        (_item("Bearbeitungszeit", "Processing time", 5.6, 4.6),
         _item("Kulanz", "Goodwill", 5.4, 5.0)),
        nps=7.3, loyalty_weight=0.7, channels=(("link", 0.8), ("qr", 0.2)),
        weekday_volume=OFFICE,
    ),
    TouchpointSpec(
        "Bewertungsportal", 5, "online", "Marketing", 14,
        "Wie einfach war es, uns zu bewerten?", "How easy was it to review us?",
        (_item("Einfachheit", "Ease", 5.2, 5.6),),
        nps=8.7, loyalty_weight=0.3, channels=SHOP_EMBED, weekday_volume=ONLINE,
    ),
)  # fmt: skip

NPS_LABEL = (
    "Wie wahrscheinlich ist es, dass Sie die Beispiel GmbH einem Freund oder Kollegen empfehlen?",
    "How likely are you to recommend Beispiel GmbH to a friend or colleague?",
)
COMMENT_LABEL = (
    "Möchten Sie uns noch etwas mitteilen?",
    "Is there anything else you would like to tell us?",
)
INTRO = (
    "Nur ein paar Klicks – Ihre Antworten helfen uns, besser zu werden.",
    "Just a few clicks – your answers help us improve.",
)

COMMENTS_DE = {
    "good": (
        "Sehr freundlich und kompetent, vielen Dank!",
        "Alles bestens, gerne wieder.",
        "Schnell und unkompliziert.",
        "Top, genau so habe ich mir das vorgestellt.",
        "Hat super geklappt.",
        "Bin rundum zufrieden.",
    ),
    "mixed": (
        "Im Großen und Ganzen in Ordnung.",
        "Passt, aber da geht noch mehr.",
        "War okay.",
        "Nichts Besonderes, aber auch nichts Schlechtes.",
    ),
    "bad": (
        "Leider nicht so wie erwartet.",
        "Da muss sich dringend etwas ändern.",
        "Ich bin enttäuscht.",
        "Viel zu umständlich.",
    ),
}
COMMENTS_EN = {
    "good": ("Very friendly and helpful, thank you!", "All good.", "Quick and easy."),
    "mixed": ("Okay overall.", "Fine, but could be better."),
    "bad": ("Not what I expected.", "Disappointing.", "Far too complicated."),
}
# Comments that tell the planted stories in the customers' own words.
COMMENTS_SPECIFIC = {
    "Hotline": (
        "Über 20 Minuten in der Warteschleife.",
        "Ich wurde dreimal weiterverbunden.",
        "Mein Problem ist immer noch nicht gelöst.",
        "Niemand konnte mir richtig helfen.",
    ),
    "Lieferung": (
        "Paket kam zwei Tage zu spät.",
        "Die Sendungsverfolgung war tagelang nicht aktuell.",
        "Karton beschädigt angekommen.",
        "Lieferung ohne Ankündigung, niemand war zu Hause.",
    ),
    "Onlineshop": (
        "Der Shop ist gut, aber woanders ist es günstiger.",
        "Bestellen klappt prima, mehr aber auch nicht.",
        "Alles gut, aber nichts, was ich weitererzählen würde.",
    ),
}
STORES = ("Hamburg", "Köln", "München")


@dataclass(frozen=True)
class DemoResult:
    created: bool
    organisation_id: int
    touchpoints: int
    responses: int
    answers: int
    start: date | None = None
    end: date | None = None
    seconds: float = 0.0
    # The golden record: silo customers before and after the CRM mapping, and its merges.
    customers_before: int = 0
    customers_after: int = 0
    merges: int = 0


@dataclass
class _Plan:
    """Per-touchpoint arrays over the days: volume factors and satisfaction shifts."""

    volume: dict[str, np.ndarray] = field(default_factory=dict)
    shift: dict[str, np.ndarray] = field(default_factory=dict)


def demo_end_default() -> date:
    """Yesterday in the demo client's time zone."""
    return timezone.now().astimezone(ZoneInfo(TIME_ZONE)).date() - timedelta(days=1)


def demo_validate(*, days: int, seed: int) -> None:
    """Refuse arguments that cannot give a sensible demo."""
    fields: dict[str, list[str]] = {}
    if not 1 <= days <= DAYS_MAX:
        fields["days"] = [f"must be between 1 and {DAYS_MAX}, got {days}"]
    if seed < 0:
        fields["seed"] = [f"must be 0 or positive, got {seed}"]
    if fields:
        message = "; ".join(f"--{name} {msgs[0]}" for name, msgs in fields.items())
        raise ApplicationError(message, fields=fields, status_code=status.HTTP_400_BAD_REQUEST)


def _plan(days: int) -> _Plan:
    end = days - 1
    plan = _Plan()
    for spec in TOUCHPOINTS:
        plan.volume[spec.name] = np.ones(days)
        plan.shift[spec.name] = np.zeros(days)
    campaign_start = end - CAMPAIGN_BEFORE_END
    for offset in range(CAMPAIGN_DAYS):
        day = campaign_start + offset
        if 0 <= day <= end:
            plan.volume[CAMPAIGN_TOUCHPOINT][day] = CAMPAIGN_VOLUME
        if 0 <= day + HOTLINE_LAG <= end:
            plan.shift[HOTLINE_TOUCHPOINT][day + HOTLINE_LAG] = -HOTLINE_DROP
            plan.volume[HOTLINE_TOUCHPOINT][day + HOTLINE_LAG] = HOTLINE_DROP_VOLUME
    plan.shift[DELIVERY_TOUCHPOINT][max(0, days - DELIVERY_DROP_DAYS) :] = -DELIVERY_DROP
    return plan


def _day_starts(*, start: date, days: int) -> np.ndarray:
    """Epoch seconds of each local midnight from `start` to the day after the last (DST-safe)."""
    tz = ZoneInfo(TIME_ZONE)
    return np.array(
        [
            int(datetime.combine(start + timedelta(days=d), day_time(), tzinfo=tz).timestamp())
            for d in range(days + 1)
        ],
        dtype=np.int64,
    )


def _organisation_delete(organisation: Organisation) -> list[int]:
    """Remove the demo client with everything below it; returns its members' user ids."""
    member_ids = list(organisation.memberships.values_list("user_id", flat=True))
    # Answers and responses first: items and surveys protect the answers that use them.
    try:
        Answer.objects.filter(
            response__touchpoint__phase__journey__organisation=organisation
        ).delete()
        Response.objects.filter(touchpoint__phase__journey__organisation=organisation).delete()
        Touchpoint.objects.filter(phase__journey__organisation=organisation).delete()
        organisation.delete()
    except ProtectedError as error:
        blocking = sorted({type(obj).__name__ for obj in error.protected_objects})
        raise ApplicationError(
            f"The demo client cannot be reset: {', '.join(blocking)} rows protect its data. "
            "Delete them in the admin first.",
            status_code=status.HTTP_409_CONFLICT,
        ) from error
    return member_ids


# size: the demo client's structure written out in one place, so a reader sees it whole.
def _create_structure() -> tuple[Organisation, list[tuple[TouchpointSpec, Touchpoint, Survey]]]:
    organisation = Organisation.objects.create(
        name=ORGANISATION_NAME, slug=ORGANISATION_SLUG, time_zone=TIME_ZONE, default_language="de"
    )
    departments = {
        name: Department.objects.create(
            organisation=organisation,
            name=name,
            notification_email=f"{name.lower()}@{ORGANISATION_SLUG}.example",
        )
        for name in DEPARTMENTS
    }
    journey = journey_create(organisation=organisation, name=JOURNEY_NAME)
    phases = {phase.order: phase for phase in journey.phases.all()}
    created = []
    for spec in TOUCHPOINTS:
        touchpoint = Touchpoint.objects.create(
            phase=phases[spec.phase],
            department=departments[spec.department],
            name=spec.name,
            description=spec.description,
            channel=spec.channel,
            allowed_origins=ALLOWED_ORIGIN if spec.channel == "online" else "",
        )
        survey = Survey.objects.create(
            touchpoint=touchpoint,
            version=1,
            title_de=spec.title_de,
            title_en=spec.title_en,
            intro_de=INTRO[0],
            intro_en=INTRO[1],
            scale_min=SCALE[0],
            scale_max=SCALE[1],
            is_active=True,
        )
        items = [
            Item(
                survey=survey,
                key=slugify(item.label_en),
                kind=Item.Kind.PAIRED,
                label_de=item.label_de,
                label_en=item.label_en,
                order=order,
                required=True,
            )
            for order, item in enumerate(spec.items, start=1)
        ]
        items.append(
            Item(
                survey=survey,
                key="nps",
                kind=Item.Kind.NPS,
                label_de=NPS_LABEL[0],
                label_en=NPS_LABEL[1],
                order=len(items) + 1,
                required=True,
            )
        )
        items.append(
            Item(
                survey=survey,
                key="comment",
                kind=Item.Kind.COMMENT,
                label_de=COMMENT_LABEL[0],
                label_en=COMMENT_LABEL[1],
                order=len(items) + 1,
            )
        )
        Item.objects.bulk_create(items)
        created.append((spec, touchpoint, survey))
    demo_authoring_configure(
        organisation=organisation, surveys=[(tp, survey) for _, tp, survey in created]
    )
    return organisation, created


class _Rows:
    """Unsaved model instances built through the positional constructor."""

    # Positional construction costs a fraction of keyword construction per object; the field
    # order is read from the model, so a field added later still lands in its place.

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        fields = model._meta.concrete_fields
        self.names = [f.attname for f in fields]
        # Mutable defaults (JSON) would be shared between rows: callers pass those explicitly.
        self.defaults = {f.attname: f.get_default() for f in fields}

    def __call__(self, **values: Any) -> Any:
        row = {**self.defaults, **values}
        return self.model(*[row[name] for name in self.names])


def _pick(rng: np.random.Generator, options: Sequence[str], size: int) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.integers(len(options), size=size)]


def _comments(
    rng: np.random.Generator, *, spec: TouchpointSpec, mood: np.ndarray, english: np.ndarray
) -> np.ndarray:
    """A comment per response (empty where the customer wrote none)."""
    size = len(mood)
    share = np.where(mood == "bad", COMMENT_SHARE_UNHAPPY, COMMENT_SHARE)
    writes = rng.random(size) < share
    texts = np.full(size, "", dtype=object)
    for kind in ("good", "mixed", "bad"):
        german = writes & (mood == kind) & ~english
        texts[german] = _pick(rng, COMMENTS_DE[kind], int(german.sum()))
        other = writes & (mood == kind) & english
        texts[other] = _pick(rng, COMMENTS_EN[kind], int(other.sum()))
    specific = COMMENTS_SPECIFIC.get(spec.name)
    if specific:
        # The Onlineshop's story is "satisfied but not recommending"; the others' is a complaint.
        story = "mixed" if spec.name == "Onlineshop" else "bad"
        chosen = writes & ~english & (mood == story) & (rng.random(size) < 0.6)
        texts[chosen] = _pick(rng, specific, int(chosen.sum()))
    return texts


def _segments(rng: np.random.Generator, *, spec: TouchpointSpec, size: int) -> list[dict[str, str]]:
    if spec.name == "Filiale":
        return [{"store": store} for store in _pick(rng, STORES, size)]
    if spec.channel == "online":
        mobile = rng.random(size) < 0.6
        return [{"device": "mobile" if m else "desktop"} for m in mobile]
    return [{} for _ in range(size)]


# size: one touchpoint's generated days in vectorised steps that share their arrays.
def _write_touchpoint(
    rng: np.random.Generator,
    *,
    spec: TouchpointSpec,
    touchpoint: Touchpoint,
    survey: Survey,
    counts: np.ndarray,
    day_starts: np.ndarray,
    shift: np.ndarray,
    weekdays: np.ndarray,
    attitudes: np.ndarray,
    customer_keys: list[str],
    next_id: int,
) -> tuple[int, int]:
    """Draw and insert one touchpoint's responses and answers; returns (responses, answers)."""
    size = int(counts.sum())
    if size == 0:
        return 0, 0
    days = len(counts)
    day_index = np.repeat(np.arange(days), counts)

    # Time of day: offline touchpoints answer in opening hours, online ones around the clock.
    if spec.channel == "offline":
        seconds = np.clip(rng.normal(13 * 3600, 2.6 * 3600, size), 7.5 * 3600, 19.5 * 3600)
    else:
        seconds = np.mod(rng.normal(15 * 3600, 5 * 3600, size), 86400)
    day_length = day_starts[1:] - day_starts[:-1]
    seconds = np.minimum(seconds.astype(np.int64), day_length[day_index] - 1)
    stamps = np.sort(day_starts[day_index] + seconds)

    linked = rng.random(size) < LINKED_SHARE
    customer = rng.integers(len(customer_keys), size=size)
    attitude = np.where(linked, attitudes[customer], rng.standard_normal(size))
    english = rng.random(size) < ENGLISH_SHARE
    names = [name for name, _ in spec.channels]
    weights = np.array([weight for _, weight in spec.channels])
    channel = np.asarray(names, dtype=object)[rng.choice(len(names), size=size, p=weights)]

    low, high = SCALE
    day_noise = rng.normal(0.0, DAY_SD, days)
    satisfaction_shift = (day_noise + shift + np.asarray(spec.weekday_satisfaction)[weekdays])[
        day_index
    ]
    expectations = []
    satisfactions = []
    for item in spec.items:
        e = np.clip(np.rint(item.expectation + rng.normal(0.0, EXPECTATION_SD, size)), low, high)
        s = np.clip(
            np.rint(
                item.satisfaction
                + satisfaction_shift
                + spec.loyalty_weight * attitude
                + rng.normal(0.0, SATISFACTION_SD, size)
            ),
            low,
            high,
        )
        expectations.append(e.astype(int))
        satisfactions.append(s.astype(int))
    mean_s = np.mean(satisfactions, axis=0)
    baseline = float(np.mean([item.satisfaction for item in spec.items]))
    nps = np.clip(
        np.rint(
            spec.nps
            + NPS_ATTITUDE * attitude
            + NPS_SATISFACTION * (mean_s - baseline)
            + rng.normal(0.0, NPS_SD, size)
        ),
        0,
        10,
    ).astype(int)
    mood = np.where(
        (mean_s <= 3.5) | (nps <= 4), "bad", np.where((mean_s >= 5.5) & (nps >= 9), "good", "mixed")
    )
    texts = _comments(rng, spec=spec, mood=mood, english=english)
    texts = demo_comments.comments_story(  # varied comments, the damaged-parcel story
        rng.spawn(1)[0], spec.name, texts, mood, english, (day_index, days), satisfactions, nps, low
    )
    segments = _segments(rng, spec=spec, size=size)

    new_response = _Rows(Response)
    new_answer = _Rows(Answer)
    stamp_list, channel_list = stamps.tolist(), channel.tolist()
    english_list, linked_list, customer_list = english.tolist(), linked.tolist(), customer.tolist()
    responses = [
        new_response(
            touchpoint_id=touchpoint.pk,
            survey_id=survey.pk,
            submitted_at=datetime.fromtimestamp(stamp_list[i], tz=UTC),
            channel=channel_list[i],
            language="en" if english_list[i] else "de",
            customer_key=customer_keys[customer_list[i]] if linked_list[i] else None,
            submission_id=f"demo-{next_id + i}",
            segment=segments[i],
            contact_consent=False,
        )
        for i in range(size)
    ]
    Response.objects.bulk_create(responses, batch_size=BATCH_SIZE)

    items = list(survey.items.order_by("order"))
    paired = [item.pk for item in items[: len(spec.items)]]
    nps_item, comment_item = items[len(spec.items)].pk, items[len(spec.items) + 1].pk
    e_lists = [e.tolist() for e in expectations]
    s_lists = [s.tolist() for s in satisfactions]
    nps_list = nps.tolist()
    answers: list[Answer] = []
    for i, response in enumerate(responses):
        for k, item_id in enumerate(paired):
            answers.append(
                new_answer(
                    response_id=response.pk,
                    item_id=item_id,
                    expectation=e_lists[k][i],
                    satisfaction=s_lists[k][i],
                )
            )
        answers.append(new_answer(response_id=response.pk, item_id=nps_item, value=nps_list[i]))
        if texts[i]:
            answers.append(new_answer(response_id=response.pk, item_id=comment_item, text=texts[i]))
    Answer.objects.bulk_create(answers, batch_size=BATCH_SIZE)
    return size, len(answers)


# size: the demo's story in order (structure, answers, silos, contacts, authoring).
@transaction.atomic
def demo_seed(
    *, days: int = 90, seed: int = 42, reset: bool = False, end: date | None = None
) -> DemoResult:
    """Create the demo client with `days` days of synthetic responses, unless it exists."""
    demo_validate(days=days, seed=seed)
    started = time.perf_counter()
    existing = Organisation.objects.filter(slug=ORGANISATION_SLUG).first()
    member_ids: list[int] = []
    if existing is not None:
        if not reset:
            return DemoResult(
                created=False,
                organisation_id=existing.pk,
                touchpoints=Touchpoint.objects.filter(
                    phase__journey__organisation=existing
                ).count(),
                responses=Response.objects.filter(
                    touchpoint__phase__journey__organisation=existing
                ).count(),
                answers=0,
            )
        member_ids = _organisation_delete(existing)

    organisation, created = _create_structure()
    Membership.objects.bulk_create(
        Membership(user_id=user_id, organisation=organisation) for user_id in member_ids
    )

    end = end or demo_end_default()
    start = end - timedelta(days=days - 1)
    rng = np.random.default_rng(seed)
    plan = _plan(days)
    weekdays = np.array([(start + timedelta(days=d)).weekday() for d in range(days)])
    day_starts = _day_starts(start=start, days=days)

    counts = {}
    for spec, _, _ in created:
        mean = (
            spec.volume
            * VOLUME_SCALE
            * np.asarray(spec.weekday_volume)[weekdays]
            * plan.volume[spec.name]
            * rng.lognormal(0.0, VOLUME_DAY_SD, days)
        )
        counts[spec.name] = rng.poisson(mean)
    expected_linked = LINKED_SHARE * sum(int(c.sum()) for c in counts.values())
    pool = max(20, round(expected_linked / RESPONSES_PER_CUSTOMER))
    attitudes = rng.standard_normal(pool)
    # Two silos: customer numbers online, phone numbers offline (linked by the CRM file below).
    silos = demo_silo_keys(organisation_id=organisation.pk, pool=pool)

    total_responses = total_answers = 0
    for spec, touchpoint, survey in created:
        responses, answers = _write_touchpoint(
            rng,
            spec=spec,
            touchpoint=touchpoint,
            survey=survey,
            counts=counts[spec.name],
            day_starts=day_starts,
            shift=plan.shift[spec.name],
            weekdays=weekdays,
            attitudes=attitudes,
            customer_keys=silos[spec.channel],
            next_id=total_responses + 1,
        )
        total_responses += responses
        total_answers += answers
    demo_authoring_answers(seed=seed, surveys=[(tp, survey) for _, tp, survey in created])
    identity = demo_identities_link(
        organisation_id=organisation.pk,
        silos=silos,
        start=datetime.fromtimestamp(float(day_starts[0]), tz=UTC),
    )
    total_answers += demo_contacts_add(organisation=organisation, seed=seed, end=end)
    return DemoResult(
        created=True,
        organisation_id=organisation.pk,
        touchpoints=len(created),
        responses=total_responses,
        answers=total_answers,
        start=start,
        end=end,
        seconds=time.perf_counter() - started,
        customers_before=identity.customers_before,
        customers_after=identity.customers_after,
        merges=identity.merges,
    )
