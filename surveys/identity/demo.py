"""The demo client's two silos: customer numbers online, phone numbers offline, and a CRM file.

Online touchpoints know a customer by the customer number (`customer_id`, "kunde-<n>"), offline
touchpoints (hotline, store, delivery …) by the phone number. The responses are written with
each silo's own key; the CRM mapping file (customer number;phone of every customer) then
merges the silos, so a customer's answers meet only through the golden record. The CRM number
is older than any phone call, so its key survives every merge (and the same seed gives the
same keys, whatever the organisation's primary key).
"""

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from django.db import connection
from django.db.models import Min

from surveys.models import Response

from .mapping_files import MappingResult, identity_mapping_apply
from .models import CUSTOMER_ID_KIND, Customer, CustomerIdentifier, IdentifierKind
from .selectors import identifier_digest

PHONE_KIND = "phone"


def demo_customer_number(n: int) -> str:
    return f"kunde-{n}"


def demo_phone(n: int) -> str:
    # German mobile numbers as a CRM writes them (national format).
    return f"0151 {20000000 + n:08d}"


def demo_silo_keys(*, organisation_id: int, pool: int) -> dict[str, list[str]]:
    """Per touchpoint channel (online, offline): the key each pooled customer has there."""
    IdentifierKind.objects.get_or_create(
        organisation_id=organisation_id,
        code=PHONE_KIND,
        defaults={"label_de": "Telefon", "label_en": "Phone", "normalisation": "phone"},
    )
    numbers = [demo_customer_number(n) for n in range(1, pool + 1)]
    phones = [f"+49151{20000000 + n:08d}" for n in range(1, pool + 1)]
    return {
        "online": [
            identifier_digest(organisation_id=organisation_id, kind=CUSTOMER_ID_KIND, normalised=v)
            for v in numbers
        ],
        "offline": [
            identifier_digest(organisation_id=organisation_id, kind=PHONE_KIND, normalised=v)
            for v in phones
        ],
    }


def demo_identities_link(
    *, organisation_id: int, silos: dict[str, list[str]], start: datetime
) -> MappingResult:
    """Register the silos' identifiers as customers, then apply the CRM mapping file."""
    first_seen = dict(
        Response.objects.filter(
            touchpoint__phase__journey__organisation_id=organisation_id,
            customer_key__isnull=False,
        )
        .values_list("customer_key")
        .annotate(first=Min("submitted_at"))
        .order_by()
    )
    customers, identifiers = [], []
    for kind, keys in ((CUSTOMER_ID_KIND, silos["online"]), (PHONE_KIND, silos["offline"])):
        for key in keys:
            # The CRM knows every customer number, from before the first answer anywhere; a
            # phone number is known from its first call.
            if kind == CUSTOMER_ID_KIND:
                seen = start - timedelta(days=1)
            elif key in first_seen:
                seen = first_seen[key]
            else:
                continue
            customers.append(Customer(organisation_id=organisation_id, key=key, created_at=seen))
            identifiers.append((kind, key, seen))
    by_key = {c.key: c for c in Customer.objects.bulk_create(customers, batch_size=2000)}
    CustomerIdentifier.objects.bulk_create(
        [
            CustomerIdentifier(
                organisation_id=organisation_id,
                kind=kind,
                digest=key,
                customer=by_key[key],
                created_at=seen,
            )
            for kind, key, seen in identifiers
        ],
        batch_size=2000,
    )
    _attach_responses(organisation_id)
    mapped = range(1, len(silos["online"]) + 1)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "crm.csv"
        lines = [f"{demo_customer_number(n)};{demo_phone(n)}" for n in mapped]
        path.write_text("\n".join([f"{CUSTOMER_ID_KIND};{PHONE_KIND}", *lines]) + "\n")
        return identity_mapping_apply(organisation_id=organisation_id, path=path, fmt="csv")


def _attach_responses(organisation_id: int) -> None:
    """Each keyed response carried the identifier whose digest is its key (set-based)."""
    from surveys.models import ResponseIdentifier

    q = connection.ops.quote_name
    link, response = ResponseIdentifier._meta.db_table, Response._meta.db_table
    identifier = CustomerIdentifier._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(link)} (response_id, identifier_id) "
            f"SELECT r.id, i.id FROM {q(response)} r "
            f"JOIN {q(identifier)} i ON i.digest = r.customer_key AND i.organisation_id = %s",
            [organisation_id],
        )
