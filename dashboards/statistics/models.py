"""Daily sufficient statistics: any period's KPIs are sums of these rows."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from surveys.models import Item
from touchpoints.models import Organisation, Touchpoint


class DailyStat(models.Model):
    """Sums for one touchpoint x item x day (the day in the organisation's time zone).

    Paired items fill the expectation/satisfaction columns; NPS, overall and effort items fill the
    value columns. An item belongs to one survey version, so versions and scales never mix.
    Histograms are lists of counts indexed by score - scale minimum (NPS: by 0..10).
    """

    # The unique (touchpoint, item, day) index serves lookups by touchpoint; a second index on
    # touchpoint alone would only slow down the writes.
    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.CASCADE, related_name="daily_stats", db_index=False
    )
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
        Touchpoint, on_delete=models.CASCADE, related_name="touchpoint_days", db_index=False
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
        indexes = [
            models.Index(fields=["day", "touchpoint"], name="touchpointday_day_tp"),
            # "data as of" is the newest computed_at of an organisation's touchpoint-days.
            models.Index(fields=["computed_at"], name="touchpointday_computed"),
        ]

    def __str__(self) -> str:
        return f"{self.touchpoint_id}/{self.day}"


class WorkerHeartbeat(models.Model):
    """One row: when a Celery worker last consumed the periodic heartbeat task, and when the
    periodic sweep last brought every active touchpoint's recent days up to date."""

    beat_at = models.DateTimeField(_("last heartbeat"))
    hostname = models.CharField(_("worker"), max_length=200, blank=True)
    swept_at = models.DateTimeField(_("last sweep"), null=True, blank=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.hostname} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class TouchpointImportance(models.Model):
    """Derived importance of a touchpoint for loyalty, computed nightly over a period.

    Stored because it scans raw answers (customers linked across touchpoints); pages read it.
    """

    class Method(models.TextChoices):
        LINKED = "linked", _("linked customers")
        DAILY = "daily", _("daily series")
        NONE = "none", _("not enough data")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="touchpoint_importances"
    )
    touchpoint = models.OneToOneField(
        Touchpoint, on_delete=models.CASCADE, related_name="importance"
    )
    computed_at = models.DateTimeField(_("computed at"))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    method = models.CharField(_("method"), max_length=8, choices=Method.choices)
    n = models.PositiveIntegerField(_("pairs"), default=0, help_text=_("pairs in the correlation"))
    linked = models.PositiveIntegerField(_("linked customers"), default=0)
    r = models.FloatField(_("correlation"), null=True, blank=True)
    r_low = models.FloatField(_("correlation, lower bound"), null=True, blank=True)
    r_high = models.FloatField(_("correlation, upper bound"), null=True, blank=True)
    p_value = models.FloatField(_("p-value"), null=True, blank=True)
    beta = models.FloatField(_("standardised weight"), null=True, blank=True)
    ridge = models.FloatField(_("ridge"), default=0.0)
    performance = models.FloatField(
        _("mean satisfaction"), null=True, blank=True, help_text=_("over the same period")
    )

    class Meta:
        verbose_name = _("touchpoint importance")
        verbose_name_plural = _("touchpoint importances")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(method__in=["linked", "daily", "none"]),
                name="touchpointimportance_method_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.touchpoint_id}: r={self.r}"


class StatBlock(models.Model):
    """DailyStat summed over an aligned block of days, so that long periods read few rows.

    A block of `size` days (8 or 64) starts on a day whose ordinal is a multiple of `size`; any
    period is then a few single days at its ends plus whole blocks. Kept in step with DailyStat by
    the aggregation, in the same transaction. Histograms stay in DailyStat only.
    """

    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.CASCADE, related_name="stat_blocks", db_index=False
    )
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="stat_blocks")
    size = models.PositiveSmallIntegerField(_("days"))
    start = models.DateField(_("first day"))

    n = models.BigIntegerField(default=0)
    sum_e = models.BigIntegerField(default=0)
    sum_s = models.BigIntegerField(default=0)
    sumsq_e = models.BigIntegerField(default=0)
    sumsq_s = models.BigIntegerField(default=0)
    sum_es = models.BigIntegerField(default=0)
    sum_gap = models.BigIntegerField(default=0)
    sumsq_gap = models.BigIntegerField(default=0)
    top2_e = models.BigIntegerField(default=0)
    top2_s = models.BigIntegerField(default=0)
    sum_v = models.BigIntegerField(default=0)
    sumsq_v = models.BigIntegerField(default=0)
    top2_v = models.BigIntegerField(default=0)
    promoters = models.BigIntegerField(default=0)
    passives = models.BigIntegerField(default=0)
    detractors = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("statistics block")
        verbose_name_plural = _("statistics blocks")
        constraints = [
            models.UniqueConstraint(
                fields=["touchpoint", "item", "size", "start"], name="statblock_unique"
            )
        ]
        indexes = [models.Index(fields=["start", "touchpoint"], name="statblock_start_tp")]

    def __str__(self) -> str:
        return f"{self.touchpoint_id}/{self.item_id}/{self.start}+{self.size}"


class TouchpointBlock(models.Model):
    """TouchpointDay summed over the same aligned blocks as StatBlock."""

    touchpoint = models.ForeignKey(
        Touchpoint, on_delete=models.CASCADE, related_name="touchpoint_blocks", db_index=False
    )
    size = models.PositiveSmallIntegerField(_("days"))
    start = models.DateField(_("first day"))
    responses = models.BigIntegerField(default=0)
    comments = models.BigIntegerField(default=0)
    linked = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("touchpoint block")
        verbose_name_plural = _("touchpoint blocks")
        constraints = [
            models.UniqueConstraint(
                fields=["touchpoint", "size", "start"], name="touchpointblock_unique"
            )
        ]
        indexes = [models.Index(fields=["start", "touchpoint"], name="touchpointblock_start_tp")]

    def __str__(self) -> str:
        return f"{self.touchpoint_id}/{self.start}+{self.size}"


# The summed columns, in one place: aggregation writes them, blocks add them up, selectors read.
DAILY_STAT_SUMS = (
    "n",
    "sum_e",
    "sum_s",
    "sumsq_e",
    "sumsq_s",
    "sum_es",
    "sum_gap",
    "sumsq_gap",
    "top2_e",
    "top2_s",
    "sum_v",
    "sumsq_v",
    "top2_v",
    "promoters",
    "passives",
    "detractors",
)
DAILY_STAT_HISTOGRAMS = ("hist_e", "hist_s", "hist_v")
DAILY_STAT_FIELDS = DAILY_STAT_SUMS + DAILY_STAT_HISTOGRAMS
TOUCHPOINT_DAY_SUMS = ("responses", "comments", "linked")
