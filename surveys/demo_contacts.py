"""Demo follow-ups: contact items where a department calls back, and customers who consented.

The surveys of `CONTACT_TOUCHPOINTS` get a contact item. Of the responses there in the last
`CONTACT_DAYS` days, a share leaves an e-mail address with consent to be contacted: more of the
detractors (NPS 0-6) than of the others, as unhappy customers ask for a call back more often. The
follow-up scan then finds the consenting detractors and fills the departments' queues.

The draws come from their own random stream (seeded from the demo's seed), so adding contacts
leaves every other demo row exactly as it was.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from django.db.models import Max

from touchpoints.models import Organisation

from .models import Answer, Item, Response, Survey

CONTACT_TOUCHPOINTS = ("Hotline", "Lieferung", "Reklamation", "Support-Mail")
CONTACT_LABEL_TR = "Sizinle iletişime geçebilmemiz için e-posta adresiniz (isteğe bağlı)"
CONTACT_LABEL = (
    "Dürfen wir Sie zu Ihrer Rückmeldung kontaktieren? Ihre E-Mail-Adresse",
    "May we contact you about your feedback? Your e-mail address",
)
CONTACT_DAYS = 21
CONTACT_SHARE_DETRACTOR = 0.08
CONTACT_SHARE_OTHER = 0.01
NPS_DETRACTOR_MAX = 6
CONTACT_STREAM = 11
"""Added to the demo seed for this module's own random stream."""


def demo_contacts_add(*, organisation: Organisation, seed: int, end: date) -> int:
    """Give the contact touchpoints a contact item and recent answers contact data with consent;
    returns how many responses consented."""
    rng = np.random.default_rng([seed, CONTACT_STREAM])
    tz = ZoneInfo(organisation.time_zone)
    since = datetime.combine(end - timedelta(days=CONTACT_DAYS - 1), time(), tzinfo=tz)
    surveys = Survey.objects.filter(
        touchpoint__phase__journey__organisation=organisation,
        touchpoint__name__in=CONTACT_TOUCHPOINTS,
        is_active=True,
    ).order_by("touchpoint__name")
    consented: list[int] = []
    answers: list[Answer] = []
    for survey in surveys:
        last = survey.items.aggregate(last=Max("order"))["last"] or 0
        item = Item.objects.create(
            survey=survey,
            kind=Item.Kind.CONTACT,
            label_de=CONTACT_LABEL[0],
            label_en=CONTACT_LABEL[1],
            # The demo's further language: its surveys stay fully translated.
            labels={"tr": CONTACT_LABEL_TR},
            order=last + 1,
        )
        rows = list(
            Answer.objects.filter(
                response__survey=survey,
                response__submitted_at__gte=since,
                item__kind=Item.Kind.NPS,
            )
            .order_by("response__submitted_at", "response__submission_id")
            .values_list("response_id", "response__submission_id", "value")
        )
        if not rows:
            continue
        nps = np.array([value for _, _, value in rows])
        share = np.where(nps <= NPS_DETRACTOR_MAX, CONTACT_SHARE_DETRACTOR, CONTACT_SHARE_OTHER)
        chosen = rng.random(len(rows)) < share
        for (response_id, submission_id, _), pick in zip(rows, chosen.tolist(), strict=True):
            if pick:
                consented.append(response_id)
                number = submission_id.removeprefix("demo-")
                answers.append(
                    Answer(response_id=response_id, item=item, text=f"kunde-{number}@mail.example")
                )
    Answer.objects.bulk_create(answers)
    Response.objects.filter(pk__in=consented).update(contact_consent=True)
    return len(consented)
