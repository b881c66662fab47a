"""Link many identifier groups at once (a CRM mapping file): the same rules, set-based.

Row by row, each group would cost a dozen queries. Here the identifiers of all groups are read
in chunks, the clusters they touch are joined by union-find in memory, and each resulting
cluster is written with a few statements: the oldest customer survives (else a new one keyed by
the first new identifier), the others' identifiers and responses move to it.
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import Case, Count, Value, When
from django.utils import timezone

from surveys.dispatch import importance_schedule
from surveys.models import Response

from .models import Customer, CustomerIdentifier, CustomerMerge, IdentifierLink
from .selectors import identifiers_found
from .services import PreparedIdentifier, organisation_lock

READ_CHUNK = 2000
# Absorbed customers per UPDATE … CASE statement.
MERGE_CHUNK = 500


# A node of the graph: ("c", customer id) for a known cluster, ("i", index) for a new identifier.
Node = tuple[str, int]


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Node, Node] = {}

    def find(self, node: Node) -> Node:
        self.parent.setdefault(node, node)
        while self.parent[node] != node:
            self.parent[node] = self.parent[self.parent[node]]
            node = self.parent[node]
        return node

    def union(self, a: Node, b: Node) -> None:
        self.parent[self.find(a)] = self.find(b)


# size: one set-based pass over the mapping file; its steps share the same in-memory graph.
@transaction.atomic
def customers_link_bulk(
    *,
    organisation_id: int,
    groups: Sequence[Sequence[PreparedIdentifier]],
    source: str,
    seen_at: Sequence[datetime] | None = None,
) -> int:
    """Link each group's identifiers into one customer; returns the responses re-keyed.

    `seen_at` (one per group, e.g. the imported answer's time) dates new customers, so the
    older one survives later merges; without it they date from now.
    """
    organisation_lock(organisation_id)
    pairs = list(dict.fromkeys((i.kind, i.digest) for group in groups for i in group))
    found: dict[tuple[str, str], CustomerIdentifier] = {}
    for start in range(0, len(pairs), READ_CHUNK):
        chunk = pairs[start : start + READ_CHUNK]
        found.update(identifiers_found(organisation_id=organisation_id, pairs=chunk))
    customers = {row.customer_id: row.customer for row in found.values()}
    node: dict[tuple[str, str], Node] = {
        pair: ("c", found[pair].customer_id) if pair in found else ("i", index)
        for index, pair in enumerate(pairs)
    }
    uf = _UnionFind()
    first_seen: dict[Node, datetime] = {}
    now = timezone.now()
    for index, group in enumerate(groups):
        members = [node[(i.kind, i.digest)] for i in group]
        for member in members:
            moment = seen_at[index] if seen_at is not None else now
            first_seen[member] = min(first_seen.get(member, moment), moment)
        for other in members[1:]:
            uf.union(members[0], other)
    clusters: dict[Node, list[Node]] = defaultdict(list)
    for member in dict.fromkeys(node.values()):
        clusters[uf.find(member)].append(member)
    merges: list[tuple[Customer, Customer]] = []
    new_identifiers: list[CustomerIdentifier] = []
    for members in clusters.values():
        olds = sorted(
            (customers[number] for kind, number in members if kind == "c"),
            key=lambda c: (c.created_at, c.pk),
        )
        fresh = [pairs[number] for kind, number in members if kind == "i"]
        born = min(first_seen.get(m, now) for m in members)
        survivor = olds[0] if olds else _customer_for(organisation_id, fresh[0], born)
        merges += [(survivor, other) for other in olds[1:]]
        new_identifiers += [
            CustomerIdentifier(
                organisation_id=organisation_id,
                kind=kind,
                digest=digest,
                customer=survivor,
                created_at=first_seen.get(node[(kind, digest)], now),
            )
            for kind, digest in fresh
        ]
    rekeyed = _merge_all(organisation_id, merges)
    CustomerIdentifier.objects.bulk_create(new_identifiers, batch_size=READ_CHUNK)
    _links_write(organisation_id, groups, source)
    transaction.on_commit(lambda: importance_schedule(organisation_id=organisation_id))
    return rekeyed


def _customer_for(organisation_id: int, founder: tuple[str, str], now: datetime) -> Customer:
    return Customer.objects.create(organisation_id=organisation_id, key=founder[1], created_at=now)


def _merge_all(organisation_id: int, merges: Sequence[tuple[Customer, Customer]]) -> int:
    """Move identifiers and responses of every absorbed customer to its survivor, in chunks."""
    rekeyed = 0
    for start in range(0, len(merges), MERGE_CHUNK):
        chunk = merges[start : start + MERGE_CHUNK]
        to_survivor = {other.pk: survivor.pk for survivor, other in chunk}
        key_of = {other.key: survivor.key for survivor, other in chunk}
        CustomerIdentifier.objects.filter(customer_id__in=to_survivor).update(
            customer_id=Case(*(When(customer_id=o, then=Value(s)) for o, s in to_survivor.items()))
        )
        responses = Response.objects.filter(
            customer_key__in=key_of, touchpoint__phase__journey__organisation_id=organisation_id
        )
        counts = dict(responses.values_list("customer_key").annotate(n=Count("id")).order_by())
        responses.update(
            customer_key=Case(*(When(customer_key=o, then=Value(s)) for o, s in key_of.items()))
        )
        CustomerMerge.objects.bulk_create(
            CustomerMerge(
                organisation_id=organisation_id,
                kind=CustomerMerge.Kind.MERGE,
                surviving_key=survivor.key,
                other_key=other.key,
                responses_rekeyed=counts.get(other.key, 0),
            )
            for survivor, other in chunk
        )
        Customer.objects.filter(pk__in=to_survivor).delete()
        rekeyed += sum(counts.values())
    return rekeyed


def _links_write(
    organisation_id: int, groups: Sequence[Sequence[PreparedIdentifier]], source: str
) -> None:
    pairs = list(dict.fromkeys((i.kind, i.digest) for group in groups for i in group))
    ids: dict[tuple[str, str], int] = {}
    for start in range(0, len(pairs), READ_CHUNK):
        chunk = identifiers_found(
            organisation_id=organisation_id, pairs=pairs[start : start + READ_CHUNK]
        )
        ids.update({pair: row.pk for pair, row in chunk.items()})
    links = {
        (min(ids[a], ids[b]), max(ids[a], ids[b]))
        for group in groups
        for a, b in (((group[0].kind, group[0].digest), (i.kind, i.digest)) for i in group[1:])
        if ids[a] != ids[b]
    }
    IdentifierLink.objects.bulk_create(
        [IdentifierLink(left_id=a, right_id=b, source=source) for a, b in sorted(links)],
        ignore_conflicts=True,
        batch_size=READ_CHUNK,
    )
