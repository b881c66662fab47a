"""The golden record: resolve identifiers to one stable customer key, merge and split clusters.

Every identifier is normalised and kept only as an HMAC. Identifiers seen together (in one
response or one row of a CRM mapping file) are linked; a cluster of linked identifiers is one
customer (union-find with the components stored flat: every identifier points at its customer).
When clusters meet, the older customer's key survives and the other's responses are re-keyed.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext as _

from cxmonitor.errors import ApplicationError
from surveys.dispatch import importance_schedule
from surveys.models import Response

from .models import (
    CUSTOMER_ID_KIND,
    Customer,
    CustomerIdentifier,
    CustomerMerge,
    IdentifierLink,
    ResponseIdentifier,
)
from .normalise import IdentifierInvalidError, normalise_identifier
from .selectors import (
    IdentityRules,
    customer_key_at_touchpoint,
    identifier_digest,
    identifiers_found,
    identity_rules,
    organisation_of_touchpoint,
)

# Namespace of the PostgreSQL advisory lock that serialises graph writes per organisation.
LOCK_NAMESPACE = 0x43584944  # "CXID"


@dataclass(frozen=True)
class PreparedIdentifier:
    """A normalised identifier, hashed; the raw value is gone."""

    kind: str
    digest: str


def identifiers_prepare(
    *,
    rules: IdentityRules,
    raw: Mapping[str, object],
    field_prefix: str = "identifiers.",
) -> list[PreparedIdentifier]:
    """Normalise and hash raw identifiers {kind: value}; ApplicationError names each bad one."""
    errors: dict[str, list[str]] = {}
    prepared: list[PreparedIdentifier] = []
    for kind, value in raw.items():
        name = "customer_id" if kind == CUSTOMER_ID_KIND else f"{field_prefix}{kind}"
        rule = rules.kinds.get(kind)
        if rule is None:
            errors[name] = [
                _("Unknown identifier kind. Allowed: %(kinds)s.")
                % {"kinds": ", ".join(sorted(rules.kinds))}
            ]
            continue
        try:
            normalised = normalise_identifier(value, rule=rule, country=rules.country)
        except IdentifierInvalidError as error:
            errors[name] = [str(error)]
            continue
        digest = identifier_digest(
            organisation_id=rules.organisation_id, kind=kind, normalised=normalised
        )
        prepared.append(PreparedIdentifier(kind=kind, digest=digest))
    if errors:
        raise ApplicationError(_("The submission is invalid."), fields=errors)
    return prepared


@dataclass(frozen=True)
class Resolution:
    """The customer key identifiers resolve to, and the identifier rows (for the response)."""

    customer_key: str
    identifier_ids: tuple[int, ...]


def customer_resolve(
    *,
    organisation_id: int,
    identifiers: Sequence[PreparedIdentifier],
    source: str = IdentifierLink.Source.RESPONSE,
    seen_at: datetime | None = None,
) -> Resolution | None:
    """Find or create the customer of these identifiers, linking and merging as needed."""
    if not identifiers:
        return None
    pairs = list(dict.fromkeys((i.kind, i.digest) for i in identifiers))
    found = identifiers_found(organisation_id=organisation_id, pairs=pairs)
    if len(found) < len(pairs) or len({r.customer_id for r in found.values()}) > 1:
        # Writes to the graph: one writer per organisation at a time, then read again.
        organisation_lock(organisation_id)
        found = identifiers_found(organisation_id=organisation_id, pairs=pairs)
        found = _complete(organisation_id, pairs, found, seen_at or timezone.now())
    rows = [found[pair] for pair in pairs]
    if len(rows) > 1:
        _link(rows, source)
    return Resolution(customer_key=rows[0].customer.key, identifier_ids=tuple(r.pk for r in rows))


def organisation_lock(organisation_id: int) -> None:
    """Serialise writes to one organisation's identifier graph (PostgreSQL advisory lock)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, organisation_id]
            )


def _complete(
    organisation_id: int,
    pairs: list[tuple[str, str]],
    found: dict[tuple[str, str], CustomerIdentifier],
    seen_at: datetime,
) -> dict[tuple[str, str], CustomerIdentifier]:
    """Create missing identifiers and merge the clusters met; returns every pair's row."""
    customers = {r.customer_id: r.customer for r in found.values()}
    if customers:
        survivor = min(customers.values(), key=lambda c: (c.created_at, c.pk))
        customers_merge(survivor=survivor, others=[c for c in customers.values() if c != survivor])
    else:
        survivor = _customer_new(organisation_id, pairs[0], seen_at)
    missing = [pair for pair in pairs if pair not in found]
    CustomerIdentifier.objects.bulk_create(
        [
            CustomerIdentifier(
                organisation_id=organisation_id,
                kind=kind,
                digest=digest,
                customer=survivor,
                created_at=seen_at,
            )
            for kind, digest in missing
        ]
    )
    return identifiers_found(organisation_id=organisation_id, pairs=pairs)


def _customer_new(organisation_id: int, founder: tuple[str, str], seen_at: datetime) -> Customer:
    """A new cluster keyed by its first identifier's digest (a `customer_id` keeps its old key)."""
    kind, digest = founder
    first_seen = seen_at
    if kind == CUSTOMER_ID_KIND:
        # Responses may carry this key from before the golden record: they date the customer.
        earlier = Response.objects.filter(
            customer_key=digest, touchpoint__phase__journey__organisation_id=organisation_id
        ).aggregate(first=Min("submitted_at"))["first"]
        first_seen = min(first_seen, earlier) if earlier else first_seen
    customer, _created = Customer.objects.get_or_create(
        organisation_id=organisation_id, key=digest, defaults={"created_at": first_seen}
    )
    return customer


def _link(rows: Sequence[CustomerIdentifier], source: str) -> None:
    first = rows[0]
    IdentifierLink.objects.bulk_create(
        [
            IdentifierLink(left_id=min(first.pk, r.pk), right_id=max(first.pk, r.pk), source=source)
            for r in rows[1:]
            if r.pk != first.pk
        ],
        ignore_conflicts=True,
    )


def customers_merge(*, survivor: Customer, others: Sequence[Customer]) -> int:
    """Fold other clusters into the survivor: identifiers move, responses are re-keyed.

    Returns the number of responses re-keyed; importance is recomputed after commit.
    """
    if not others:
        return 0
    organisation_id = survivor.organisation_id
    CustomerIdentifier.objects.filter(customer__in=others).update(customer=survivor)
    rekeyed = 0
    for other in others:
        count = Response.objects.filter(
            customer_key=other.key, touchpoint__phase__journey__organisation_id=organisation_id
        ).update(customer_key=survivor.key)
        CustomerMerge.objects.create(
            organisation_id=organisation_id,
            kind=CustomerMerge.Kind.MERGE,
            surviving_key=survivor.key,
            other_key=other.key,
            responses_rekeyed=count,
        )
        rekeyed += count
    Customer.objects.filter(pk__in=[o.pk for o in others]).delete()
    transaction.on_commit(lambda: importance_schedule(organisation_id=organisation_id))
    return rekeyed


def response_identifiers_attach(*, pairs: Sequence[tuple[int, int]]) -> None:
    """Remember which identifiers each response carried: (response id, identifier id)."""
    ResponseIdentifier.objects.bulk_create(
        [ResponseIdentifier(response_id=r, identifier_id=i) for r, i in pairs],
        ignore_conflicts=True,
        batch_size=2000,
    )


@dataclass(frozen=True)
class SplitResult:
    customers_before: int
    customers_after: int
    responses_rekeyed: int


@transaction.atomic
def customers_split(
    *, organisation_id: int, groups: Sequence[Sequence[PreparedIdentifier]]
) -> SplitResult:
    """Undo wrong merges: identifiers of different groups stop being linked to each other.

    Each affected cluster falls apart into its connected components; the component holding
    the oldest identifier keeps the key, every other one gets its oldest identifier's digest
    as key (the key it had before the merge) and the responses that carried its identifiers.
    """
    organisation_lock(organisation_id)
    group_of: dict[int, int] = {}
    for index, group in enumerate(groups):
        rows = identifiers_found(
            organisation_id=organisation_id, pairs=[(i.kind, i.digest) for i in group]
        )
        for row in rows.values():
            group_of[row.pk] = index
    affected = set(
        CustomerIdentifier.objects.filter(pk__in=group_of).values_list("customer_id", flat=True)
    )
    wrong = [
        link.pk
        for link in IdentifierLink.objects.filter(left_id__in=group_of, right_id__in=group_of)
        if group_of[link.left_id] != group_of[link.right_id]
    ]
    IdentifierLink.objects.filter(pk__in=wrong).delete()
    after, rekeyed = 0, 0
    for customer in Customer.objects.filter(pk__in=affected):
        parts, moved = _customer_split_one(customer)
        after += parts
        rekeyed += moved
    if rekeyed or after > len(affected):
        transaction.on_commit(lambda: importance_schedule(organisation_id=organisation_id))
    return SplitResult(
        customers_before=len(affected), customers_after=after, responses_rekeyed=rekeyed
    )


def _components(nodes: list[int], edges: list[tuple[int, int]]) -> list[list[int]]:
    """Connected components (union-find with path halving), each sorted by node order given."""
    parent = {node: node for node in nodes}

    def find(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for a, b in edges:
        if a in parent and b in parent:
            parent[find(a)] = find(b)
    groups: dict[int, list[int]] = defaultdict(list)
    for node in nodes:
        groups[find(node)].append(node)
    return list(groups.values())


def _customer_split_one(customer: Customer) -> tuple[int, int]:
    """Split one cluster into its components; returns (components, responses re-keyed)."""
    identifiers = list(customer.identifiers.order_by("created_at", "id"))
    edges = list(
        IdentifierLink.objects.filter(left__customer=customer).values_list("left_id", "right_id")
    )
    components = _components([i.pk for i in identifiers], edges)
    if len(components) < 2:
        return 1, 0
    by_id = {i.pk: i for i in identifiers}
    # The component holding the key's own identifier (else the oldest) keeps the customer.
    components.sort(
        key=lambda nodes: (
            all(by_id[n].digest != customer.key for n in nodes),
            identifiers.index(by_id[nodes[0]]),
        )
    )
    rekeyed = 0
    for nodes in components[1:]:
        oldest = by_id[nodes[0]]
        new = Customer.objects.create(
            organisation_id=customer.organisation_id,
            key=oldest.digest,
            created_at=oldest.created_at,
        )
        CustomerIdentifier.objects.filter(pk__in=nodes).update(customer=new)
        responses = ResponseIdentifier.objects.filter(identifier_id__in=nodes).values_list(
            "response_id", flat=True
        )
        count = Response.objects.filter(pk__in=responses, customer_key=customer.key).update(
            customer_key=new.key
        )
        CustomerMerge.objects.create(
            organisation_id=customer.organisation_id,
            kind=CustomerMerge.Kind.SPLIT,
            surviving_key=customer.key,
            other_key=new.key,
            responses_rekeyed=count,
        )
        rekeyed += count
    return len(components), rekeyed


def customer_graph_erase(*, keys: Sequence[str], organisation_id: int | None = None) -> int:
    """Delete the identifier graph of erased customers (identifiers, links, merge records)."""
    customers = Customer.objects.filter(key__in=keys)
    merges = CustomerMerge.objects.filter(surviving_key__in=keys) | CustomerMerge.objects.filter(
        other_key__in=keys
    )
    if organisation_id is not None:
        customers = customers.filter(organisation_id=organisation_id)
        merges = merges.filter(organisation_id=organisation_id)
    merges.delete()
    deleted, _per_model = customers.delete()
    return deleted


@dataclass(frozen=True)
class IdentityPlan:
    """A submission's identifiers, checked and hashed before its transaction starts."""

    touchpoint_id: int
    organisation_id: int | None
    identifiers: tuple[PreparedIdentifier, ...]


def identity_plan(
    *,
    touchpoint_id: int,
    customer_id: str | None,
    identifiers: Mapping[str, object],
    customer_key: str | None = None,
) -> IdentityPlan | None:
    """Normalise and hash a submission's identifiers; ApplicationError (400) names a bad one.

    A lone `customer_id` needs no rules (it is trimmed text) and no query.
    """
    if customer_id:
        customer_key = identifier_digest(
            organisation_id=0, kind=CUSTOMER_ID_KIND, normalised=customer_id
        )
    # A customer id arrives raw (API) or already hashed (a signed customer link): one kind.
    known = (PreparedIdentifier(CUSTOMER_ID_KIND, customer_key),) if customer_key else ()
    if not identifiers:
        return IdentityPlan(touchpoint_id, None, known) if known else None
    organisation_id = organisation_of_touchpoint(touchpoint_id=touchpoint_id)
    rules = identity_rules(organisation_id=organisation_id)
    raw = {k: v for k, v in identifiers.items() if k != CUSTOMER_ID_KIND or not known}
    # The customer id first: a new customer then keeps the key that id always had.
    prepared = (*known, *identifiers_prepare(rules=rules, raw=raw))
    if not prepared:
        return None
    return IdentityPlan(touchpoint_id, organisation_id, prepared)


def identity_apply(*, plan: IdentityPlan, seen_at: datetime) -> Resolution:
    """Resolve a plan inside the caller's transaction (a lone customer id: one read, no write)."""
    if plan.organisation_id is None:
        digest = plan.identifiers[0].digest
        key = customer_key_at_touchpoint(touchpoint_id=plan.touchpoint_id, digest=digest)
        return Resolution(customer_key=key or digest, identifier_ids=())
    resolution = customer_resolve(
        organisation_id=plan.organisation_id, identifiers=plan.identifiers, seen_at=seen_at
    )
    assert resolution is not None  # a plan with an organisation has identifiers
    return resolution
