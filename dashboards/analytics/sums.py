"""Sufficient statistics: frozen, addable sums. Any period is the sum of its days."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any, Self


class _Addable:
    """Shared behaviour of the sums dataclasses below (all fields are counts or sums)."""

    __slots__ = ()

    def __radd__(self, other: object) -> Self:
        # Lets the builtin sum() start from 0.
        if other == 0:
            return self
        return NotImplemented

    @classmethod
    def zero(cls) -> Self:
        """The neutral element (no answers)."""
        return cls()

    @classmethod
    def sum_of(cls, parts: Iterable[Self]) -> Self:
        """Sum of any number of parts (e.g. the days of a period); zero when empty."""
        getter = _GETTERS.get(cls)
        if getter is None:
            # Field order is the constructor's positional order.
            names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
            getter = _GETTERS[cls] = attrgetter(*names)
        rows = [getter(part) for part in parts]
        if not rows:
            return cls()
        return cls(*(sum(column) for column in zip(*rows, strict=True)))


_GETTERS: dict[type, attrgetter[Any]] = {}


@dataclass(frozen=True, slots=True)
class PairedSums(_Addable):
    """Sums over answers to paired items: expectation e, satisfaction s, gap = s - e.

    top2_e / top2_s count scores in the two highest points of the item's scale.
    """

    n: int = 0
    sum_e: int = 0
    sum_s: int = 0
    sumsq_e: int = 0
    sumsq_s: int = 0
    sum_es: int = 0
    sum_gap: int = 0
    sumsq_gap: int = 0
    top2_e: int = 0
    top2_s: int = 0

    def __add__(self, other: object) -> PairedSums:
        if not isinstance(other, PairedSums):
            return NotImplemented
        return PairedSums(
            self.n + other.n,
            self.sum_e + other.sum_e,
            self.sum_s + other.sum_s,
            self.sumsq_e + other.sumsq_e,
            self.sumsq_s + other.sumsq_s,
            self.sum_es + other.sum_es,
            self.sum_gap + other.sum_gap,
            self.sumsq_gap + other.sumsq_gap,
            self.top2_e + other.top2_e,
            self.top2_s + other.top2_s,
        )

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[int, int]], *, scale_max: int = 7) -> PairedSums:
        """Sums of raw (expectation, satisfaction) pairs, as the aggregation stores them."""
        n = se = ss = sqe = sqs = ses = sg = sqg = t2e = t2s = 0
        for e, s in pairs:
            n += 1
            se += e
            ss += s
            sqe += e * e
            sqs += s * s
            ses += e * s
            sg += s - e
            sqg += (s - e) * (s - e)
            t2e += e >= scale_max - 1
            t2s += s >= scale_max - 1
        return cls(n, se, ss, sqe, sqs, ses, sg, sqg, t2e, t2s)


@dataclass(frozen=True, slots=True)
class ValueSums(_Addable):
    """Sums over answers to single-value items (NPS, overall, effort).

    The NPS classes are filled for NPS items only: promoters 9-10, passives 7-8, detractors 0-6.
    """

    n: int = 0
    sum_v: int = 0
    sumsq_v: int = 0
    top2_v: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    def __add__(self, other: object) -> ValueSums:
        if not isinstance(other, ValueSums):
            return NotImplemented
        return ValueSums(
            self.n + other.n,
            self.sum_v + other.sum_v,
            self.sumsq_v + other.sumsq_v,
            self.top2_v + other.top2_v,
            self.promoters + other.promoters,
            self.passives + other.passives,
            self.detractors + other.detractors,
        )

    @classmethod
    def from_values(
        cls, values: Iterable[int], *, scale_max: int = 10, nps: bool = True
    ) -> ValueSums:
        """Sums of raw scores, as the aggregation stores them."""
        n = sv = sqv = t2 = pro = pas = det = 0
        for v in values:
            n += 1
            sv += v
            sqv += v * v
            t2 += v >= scale_max - 1
            if nps:
                if v >= 9:
                    pro += 1
                elif v >= 7:
                    pas += 1
                else:
                    det += 1
        return cls(n, sv, sqv, t2, pro, pas, det)
