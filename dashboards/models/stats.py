"""Daily sufficient statistics: any period's KPIs are sums of these rows."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from surveys.models import Item
from touchpoints.models import Touchpoint


class DailyStat(models.Model):
    """Sums for one touchpoint x item x day (the day in the organisation's time zone).

    Paired items fill the expectation/satisfaction columns; NPS, overall and effort items fill the
    value columns. An item belongs to one survey version, so versions and scales never mix.
    Histograms are lists of counts indexed by score - scale minimum (NPS: by 0..10).
    """

    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="daily_stats")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="daily_stats")
    day = models.DateField(_("day"))

    n = models.PositiveIntegerField(default=0)
    sum_e = models.BigIntegerField(default=0)
    sum_s = models.BigIntegerField(default=0)
    sumsq_e = models.BigIntegerField(default=0)
    sumsq_s = models.BigIntegerField(default=0)
    sum_es = models.BigIntegerField(default=0)
    sum_gap = models.BigIntegerField(default=0)
    sumsq_gap = models.BigIntegerField(default=0)
    top2_e = models.PositiveIntegerField(default=0)
    top2_s = models.PositiveIntegerField(default=0)
    hist_e = models.JSONField(default=list)
    hist_s = models.JSONField(default=list)

    sum_v = models.BigIntegerField(default=0)
    sumsq_v = models.BigIntegerField(default=0)
    top2_v = models.PositiveIntegerField(default=0)
    hist_v = models.JSONField(default=list)
    promoters = models.PositiveIntegerField(default=0)
    passives = models.PositiveIntegerField(default=0)
    detractors = models.PositiveIntegerField(default=0)

    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("daily statistic")
        verbose_name_plural = _("daily statistics")
        constraints = [
            models.UniqueConstraint(fields=["touchpoint", "item", "day"], name="dailystat_unique")
        ]
        indexes = [models.Index(fields=["day", "touchpoint"], name="dailystat_day_tp")]

    def __str__(self) -> str:
        return f"{self.touchpoint_id}/{self.item_id}/{self.day}"


class TouchpointDay(models.Model):
    """Per touchpoint-day totals that are not per item: responses and comments."""

    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.CASCADE, related_name="touchpoint_days"
    )
    day = models.DateField(_("day"))
    responses = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    linked = models.PositiveIntegerField(default=0, help_text="responses with a customer key")
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("touchpoint day")
        verbose_name_plural = _("touchpoint days")
        constraints = [
            models.UniqueConstraint(fields=["touchpoint", "day"], name="touchpointday_unique")
        ]
        indexes = [models.Index(fields=["day", "touchpoint"], name="touchpointday_day_tp")]

    def __str__(self) -> str:
        return f"{self.touchpoint_id}/{self.day}"
