"""Aligned blocks of days: long periods are read as a few days at the ends plus whole blocks.

A block of `size` days starts on the day whose ordinal (date.toordinal) is a multiple of `size`.
With sizes 8 and 64, a year is at most 7 + 7 single days, 7 + 7 blocks of 8 and 5 blocks of 64 per
touchpoint and item: about 30 rows instead of 365. The blocks are sums of DailyStat and
TouchpointDay and are rewritten in the same transaction as the days they contain.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

BLOCK_SIZES = (64, 8)  # largest first


def block_start(day: date, size: int) -> date:
    """First day of the block of `size` days that contains `day`."""
    return date.fromordinal(day.toordinal() - day.toordinal() % size)


@dataclass(frozen=True)
class PeriodUnits:
    """A period as inclusive day ranges plus, per block size, inclusive ranges of block starts."""

    days: list[tuple[date, date]]
    blocks: dict[int, list[tuple[date, date]]]


def period_units(start: date, end: date) -> PeriodUnits:
    """Cover start..end (inclusive) with the fewest single days and aligned blocks."""
    days: list[tuple[date, date]] = []
    blocks: dict[int, list[tuple[date, date]]] = defaultdict(list)
    position, last = start.toordinal(), end.toordinal()
    while position <= last:
        for size in (*BLOCK_SIZES, 1):
            if position % size == 0 and position + size - 1 <= last:
                break
        first = date.fromordinal(position)
        runs = days if size == 1 else blocks[size]
        step = timedelta(days=size)
        if runs and runs[-1][1] + step == first:
            runs[-1] = (runs[-1][0], first)  # extend the current run of equal units
        else:
            runs.append((first, first))
        position += size
    return PeriodUnits(days, dict(blocks))
