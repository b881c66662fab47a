"""Identity mapping files from a client's CRM: one customer per row, one column per kind.

    shop_account;phone;email
    100234;0170 1234567;max@example.com

Linking: the identifiers of a row become one customer (clusters that meet merge, the older key
survives). Undo: the rows name the customers that must stay apart; links between identifiers
of different rows are removed and the clusters split along them.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

from cxmonitor.errors import ApplicationError
from surveys.imports.readers import rows_read

from .bulk import customers_link_bulk
from .models import IdentifierLink
from .selectors import identity_counts, identity_rules
from .services import PreparedIdentifier, customers_split, identifiers_prepare


@dataclass
class MappingResult:
    rows: int = 0
    rows_used: int = 0
    problems: list[tuple[int, str, str]] = field(default_factory=list)
    customers_before: int = 0
    customers_after: int = 0
    merges: int = 0
    splits: int = 0
    responses_rekeyed: int = 0


def _groups(
    organisation_id: int, path: Path, fmt: str, result: MappingResult
) -> list[tuple[int, list[PreparedIdentifier]]]:
    rules = identity_rules(organisation_id=organisation_id)
    headers, rows = rows_read(path, fmt=fmt)
    unknown = [h for h in headers if h and h not in rules.kinds]
    if unknown:
        message = _("Unknown identifier kind. Allowed: %(kinds)s.") % {
            "kinds": ", ".join(sorted(rules.kinds))
        }
        raise ApplicationError(message, fields={", ".join(unknown): [message]})
    groups: list[tuple[int, list[PreparedIdentifier]]] = []
    for row in rows:
        result.rows += 1
        raw = {kind: value for kind, value in row.cells.items() if value}
        try:
            prepared = identifiers_prepare(rules=rules, raw=raw, field_prefix="")
        except ApplicationError as error:
            for column, messages in error.fields.items():
                result.problems.extend((row.line, column, message) for message in messages)
            continue
        groups.append((row.line, prepared))
    return groups


def identity_mapping_apply(
    *, organisation_id: int, path: Path, fmt: str, undo: bool = False
) -> MappingResult:
    """Link (or, with undo, split) customers as the file says; returns counts and problems."""
    result = MappingResult()
    before = identity_counts(organisation_id=organisation_id)
    result.customers_before = before.customers
    groups = _groups(organisation_id, path, fmt, result)
    if undo:
        split = customers_split(
            organisation_id=organisation_id, groups=[prepared for _line, prepared in groups]
        )
        result.rows_used = len(groups)
        result.responses_rekeyed = split.responses_rekeyed
    else:
        used = [prepared for _line, prepared in groups if prepared]
        result.rows_used = len(used)
        result.responses_rekeyed = customers_link_bulk(
            organisation_id=organisation_id, groups=used, source=IdentifierLink.Source.MAPPING
        )
    after = identity_counts(organisation_id=organisation_id)
    result.customers_after = after.customers
    result.merges = after.merges - before.merges
    result.splits = after.splits - before.splits
    return result
