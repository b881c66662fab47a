"""Monitoring and the closed loop: alert rules, alerts, deliveries, follow-ups, digests."""

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cxmonitor.outbound import target_problem
from dashboards.analytics.vocabulary import ALERT_KPIS, kpi_label
from surveys.models import Response
from touchpoints.models import Department, Organisation, Phase, Touchpoint


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


def alert_kpi_choices() -> list[tuple[str, str]]:
    """The KPIs a rule can watch, labelled in the active language (evaluated when listed)."""
    language = get_language() or settings.LANGUAGE_CODE
    return [(kpi.value, kpi_label(kpi, language)) for kpi in ALERT_KPIS]


class Condition(models.TextChoices):
    CONTROL_LIMITS = "control_limits", _("outside the control limits (EWMA)")
    THRESHOLD = "threshold", _("below a threshold")
    SIGNIFICANT_DROP = "significant_drop", _("significant drop against the previous period")


class WebhookEndpoint(models.Model):
    """A URL that receives alerts as signed JSON (HMAC-SHA256 with the secret)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    name = models.CharField(_("name"), max_length=120)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("secret"),
        max_length=128,
        default=new_webhook_secret,
        help_text=_("Signs every request (X-CX-Signature); share it with the receiver only."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["organisation", "name"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Refused at save; the delivery checks again before every send (DNS can change).
        problem = target_problem(self.url) if self.url else None
        if problem:
            raise ValidationError({"url": problem})


class AlertRule(models.Model):
    """When a touchpoint's KPI breaches a condition, an alert goes to the owning department."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="alert_rules"
    )
    name = models.CharField(_("name"), max_length=200)
    phase = models.ForeignKey(
        Phase,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alert_rules",
        help_text=_("Only touchpoints of this phase (empty: all)."),
    )
    touchpoint = models.ForeignKey(
        Touchpoint,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alert_rules",
        help_text=_("Only this touchpoint (empty: all)."),
    )
    kpi = models.CharField(_("KPI"), max_length=16, choices=alert_kpi_choices)
    condition = models.CharField(_("condition"), max_length=20, choices=Condition.choices)
    threshold = models.FloatField(
        _("threshold"),
        null=True,
        blank=True,
        help_text=_("For 'below a threshold': the KPI over the period must stay at or above it."),
    )
    min_change = models.FloatField(
        _("minimum drop"),
        default=0.0,
        help_text=_(
            "For 'significant drop': smaller drops are ignored even when significant "
            "(KPI units: scale points, NPS points, shares 0-1, responses per day)."
        ),
    )
    alpha = models.FloatField(
        _("significance level"), default=0.01, help_text=_("For 'significant drop'.")
    )
    width = models.FloatField(
        _("control limit width"),
        default=3.0,
        help_text=_("For control limits: distance of the limits from the centre, in sigmas."),
    )
    period_days = models.PositiveSmallIntegerField(
        _("period (days)"),
        default=7,
        help_text=_("The recent period compared (drop) or averaged (threshold)."),
    )
    baseline_days = models.PositiveSmallIntegerField(
        _("baseline (days)"),
        default=28,
        help_text=_("The period before it: the comparison (drop) or the control-limit history."),
    )
    min_n = models.PositiveIntegerField(
        _("minimum n"),
        default=30,
        help_text=_(
            "Answers needed: per day for control limits, per period for the other conditions."
        ),
    )
    cooldown_days = models.PositiveSmallIntegerField(
        _("cooldown (days)"),
        default=7,
        help_text=_("After an alert, the touchpoint raises no new alert for this many days."),
    )
    webhook = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rules",
        verbose_name=_("webhook"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "name"]
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(alpha__gt=0) & models.Q(alpha__lt=0.5),
                name="alertrule_alpha_range",
            ),
            models.CheckConstraint(
                condition=models.Q(period_days__gte=1) & models.Q(baseline_days__gte=1),
                name="alertrule_periods_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(width__gt=0), name="alertrule_width_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(condition="threshold") | models.Q(threshold__isnull=False),
                name="alertrule_threshold_needs_value",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.condition == Condition.THRESHOLD and self.threshold is None:
            errors["threshold"] = _("A threshold rule needs a threshold.")
        if self.alpha is not None and not 0 < self.alpha < 0.5:
            errors["alpha"] = _("The significance level must lie between 0 and 0.5.")
        if self.organisation_id:
            phase, touchpoint, webhook = self.phase, self.touchpoint, self.webhook
            if phase is not None and phase.journey.organisation_id != self.organisation_id:
                errors["phase"] = _("The phase belongs to another organisation.")
            if (
                touchpoint is not None
                and touchpoint.phase.journey.organisation_id != self.organisation_id
            ):
                errors["touchpoint"] = _("The touchpoint belongs to another organisation.")
            if webhook is not None and webhook.organisation_id != self.organisation_id:
                errors["webhook"] = _("The webhook belongs to another organisation.")
        if errors:
            raise ValidationError(errors)


class Alert(models.Model):
    """One breach of a rule at a touchpoint; unique per breach so it never alerts twice."""

    class Direction(models.TextChoices):
        DOWN = "down", _("down")
        UP = "up", _("up")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        RESOLVED = "resolved", _("resolved")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="alerts")
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="alerts")
    # Rules with alerts are deactivated, not deleted: the history stays.
    rule = models.ForeignKey(AlertRule, on_delete=models.RESTRICT, related_name="alerts")
    kpi = models.CharField(_("KPI"), max_length=16, choices=alert_kpi_choices)
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    value = models.FloatField(_("observed value"))
    expected = models.FloatField(_("expected value"), null=True, blank=True)
    limit = models.FloatField(_("limit"), null=True, blank=True)
    p_value = models.FloatField(_("p-value"), null=True, blank=True)
    n = models.PositiveIntegerField(_("n"), default=0)
    day = models.DateField(_("day"), help_text=_("The day the breach was detected on."))
    breach_start = models.DateField(_("breach start"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["-day", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "touchpoint", "kpi", "breach_start"], name="alert_unique_breach"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "acknowledged", "resolved"]),
                name="alert_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status"], name="alert_org_status"),
            models.Index(fields=["touchpoint", "day"], name="alert_tp_day"),
        ]

    def __str__(self) -> str:
        return f"{self.touchpoint_id} {self.kpi} {self.direction} {self.day}"


class AlertComment(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    text = models.TextField(_("comment"), max_length=2000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["alert", "created_at", "id"]
        verbose_name = _("alert comment")
        verbose_name_plural = _("alert comments")

    def __str__(self) -> str:
        return f"{self.alert_id}: {self.text[:40]}"


class AlertDelivery(models.Model):
    """One attempt to deliver an alert by e-mail or webhook, successful or not."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        WEBHOOK = "webhook", _("webhook")

    class Status(models.TextChoices):
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("skipped")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    target = models.CharField(_("target"), max_length=500, blank=True)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices)
    response_code = models.PositiveSmallIntegerField(_("response code"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["alert", "created_at", "id"]
        verbose_name = _("alert delivery")
        verbose_name_plural = _("alert deliveries")

    def __str__(self) -> str:
        return f"{self.alert_id} {self.channel} #{self.attempt} {self.status}"


class FollowUp(models.Model):
    """A detractor who consented to be contacted, in the owning department's queue."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CONTACTED = "contacted", _("contacted")
        RESOLVED = "resolved", _("resolved")

    # Removed with the response (erasure deletes both); holds no contact data of its own.
    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="followup")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="followups"
    )
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="followups")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="followups")
    nps = models.SmallIntegerField(_("NPS answer"), null=True, blank=True)
    worst_gap = models.SmallIntegerField(_("worst gap"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    due_date = models.DateField(_("due date"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
    )
    notes = models.TextField(_("notes"), blank=True, max_length=4000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    contacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contacted_at = models.DateTimeField(_("contacted at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["open", "contacted", "resolved"]),
                name="followup_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["department", "status"], name="followup_dept_status")]

    def __str__(self) -> str:
        return f"{self.touchpoint_id} {self.status} {self.due_date}"


class DigestSubscription(models.Model):
    """A user's opt-in to the weekly digest e-mail."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_subscription"
    )
    is_active = models.BooleanField(_("active"), default=True)
    last_week_end = models.DateField(_("last digest for the week ending"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("digest subscription")
        verbose_name_plural = _("digest subscriptions")

    def __str__(self) -> str:
        return f"{self.user}"
