"""Reads of the identifier graph: an organisation's rules, clusters by identifier, counts."""

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count

from surveys.privacy import customer_key_from_id
from touchpoints.models import Organisation, Touchpoint

from .models import (
    CUSTOMER_ID_KIND,
    Customer,
    CustomerIdentifier,
    CustomerMerge,
    IdentifierKind,
    IdentifierLink,
)
from .normalise import KindRule, normalise_identifier


@dataclass(frozen=True)
class IdentityRules:
    """What it takes to normalise and hash an organisation's identifiers."""

    organisation_id: int
    country: str
    kinds: dict[str, KindRule]


def identity_rules(*, organisation_id: int) -> IdentityRules:
    """The organisation's identifier kinds (always with `customer_id`) and its country."""
    country = Organisation.objects.values_list("country", flat=True).get(pk=organisation_id)
    kinds = {CUSTOMER_ID_KIND: KindRule(code=CUSTOMER_ID_KIND, normalisation="text")}
    for kind in IdentifierKind.objects.filter(organisation_id=organisation_id).exclude(
        code=CUSTOMER_ID_KIND
    ):
        kinds[kind.code] = KindRule(
            code=kind.code,
            normalisation=kind.normalisation,
            strip_leading_zeros=kind.strip_leading_zeros,
        )
    return IdentityRules(organisation_id=organisation_id, country=country, kinds=kinds)


def organisation_of_touchpoint(*, touchpoint_id: int) -> int:
    """The id of the organisation a touchpoint belongs to."""
    return Touchpoint.objects.values_list("phase__journey__organisation_id", flat=True).get(
        pk=touchpoint_id
    )


def identifier_digest(*, organisation_id: int, kind: str, normalised: str) -> str:
    """HMAC-SHA256 of a normalised identifier, scoped to organisation and kind.

    `customer_id` keeps the historical unscoped key, so responses stored before the golden
    record (and their erasure by customer id) stay reachable.
    """
    if kind == CUSTOMER_ID_KIND:
        return customer_key_from_id(normalised)
    message = f"{organisation_id}\x1f{kind}\x1f{normalised}".encode()
    return hmac.new(settings.CUSTOMER_KEY_SECRET.encode(), message, hashlib.sha256).hexdigest()


def identifiers_found(
    *, organisation_id: int, pairs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], CustomerIdentifier]:
    """Known identifiers among (kind, digest) pairs, with their customer. One query."""
    pairs = list(pairs)
    if not pairs:
        return {}
    # By digest alone: that index finds a handful of rows, where a planner that starts from the
    # organisation would walk all of its identifiers.
    rows = CustomerIdentifier.objects.filter(
        digest__in=[digest for _, digest in pairs]
    ).select_related("customer")
    wanted = set(pairs)
    return {
        (r.kind, r.digest): r
        for r in rows
        if r.organisation_id == organisation_id and (r.kind, r.digest) in wanted
    }


def customer_key_for_digest(*, organisation_id: int, kind: str, digest: str) -> str | None:
    """The customer key an identifier resolves to, or None when it was never seen."""
    return (
        CustomerIdentifier.objects.filter(organisation_id=organisation_id, kind=kind, digest=digest)
        .values_list("customer__key", flat=True)
        .first()
    )


def customer_key_at_touchpoint(*, touchpoint_id: int, digest: str) -> str | None:
    """The customer key of a `customer_id` digest in the touchpoint's organisation. One query."""
    return (
        CustomerIdentifier.objects.filter(
            kind=CUSTOMER_ID_KIND,
            digest=digest,
            organisation__journeys__phases__touchpoints__id=touchpoint_id,
        )
        .values_list("customer__key", flat=True)
        .first()
    )


def customer_keys_for_legacy_id(*, digest: str) -> set[str]:
    """Every customer key a `customer_id` digest belongs to, across organisations."""
    keys = set(
        CustomerIdentifier.objects.filter(kind=CUSTOMER_ID_KIND, digest=digest).values_list(
            "customer__key", flat=True
        )
    )
    return keys | {digest}


def cluster_edges(*, customer_id: int) -> list[tuple[int, int]]:
    """The links between one customer's identifiers."""
    return list(
        IdentifierLink.objects.filter(left__customer_id=customer_id).values_list(
            "left_id", "right_id"
        )
    )


@dataclass(frozen=True)
class IdentityCounts:
    """What the consultant's overview shows for one organisation."""

    organisation_id: int
    identifiers: int
    customers: int
    linked_customers: int  # customers with identifiers of two or more kinds
    merges: int
    splits: int
    identifiers_by_kind: dict[str, int]


def identity_counts(*, organisation_id: int) -> IdentityCounts:
    """Identifiers, customers, cross-kind customers, merges and splits of one organisation."""
    by_kind = dict(
        CustomerIdentifier.objects.filter(organisation_id=organisation_id)
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by("kind")
    )
    customers = Customer.objects.filter(organisation_id=organisation_id)
    linked = (
        customers.annotate(kinds=Count("identifiers__kind", distinct=True))
        .filter(kinds__gte=2)
        .count()
    )
    events = dict(
        CustomerMerge.objects.filter(organisation_id=organisation_id)
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by("kind")
    )
    return IdentityCounts(
        organisation_id=organisation_id,
        identifiers=sum(by_kind.values()),
        customers=customers.count(),
        linked_customers=linked,
        merges=events.get(CustomerMerge.Kind.MERGE, 0),
        splits=events.get(CustomerMerge.Kind.SPLIT, 0),
        identifiers_by_kind=by_kind,
    )


def customer_keys_for_identifier(*, kind: str, raw: str, organisation_id: int | None) -> list[str]:
    """The customer keys any one identifier reaches (for access and erasure requests).

    `customer_id` works without an organisation (its key was never scoped); other kinds are
    normalised and hashed with their organisation's rules. Raises IdentifierInvalidError or
    LookupError (unknown kind) with a reason.
    """
    if kind == CUSTOMER_ID_KIND:
        digest = identifier_digest(organisation_id=0, kind=kind, normalised=raw.strip())
        keys = customer_keys_for_legacy_id(digest=digest)
        if organisation_id is not None:
            scoped = CustomerIdentifier.objects.filter(
                organisation_id=organisation_id, kind=kind, digest=digest
            ).values_list("customer__key", flat=True)
            keys = set(scoped) | {digest}
        return sorted(keys)
    if organisation_id is None:
        raise LookupError("an identifier other than customer_id needs its organisation")
    rules = identity_rules(organisation_id=organisation_id)
    rule = rules.kinds.get(kind)
    if rule is None:
        raise LookupError(
            f"unknown identifier kind {kind!r}; known: {', '.join(sorted(rules.kinds))}"
        )
    normalised = normalise_identifier(raw, rule=rule, country=rules.country)
    digest = identifier_digest(organisation_id=organisation_id, kind=kind, normalised=normalised)
    key = customer_key_for_digest(organisation_id=organisation_id, kind=kind, digest=digest)
    return [key] if key else []
