"""Evaluation: every active rule against every touchpoint's daily statistics; alerts once."""

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from dashboards.analytics.detection import Breach, detect, series_days_needed
from dashboards.monitoring.models import Alert, AlertDelivery, AlertRule
from dashboards.statistics.selectors.kpis import daily_series
from touchpoints.models import Organisation, Touchpoint

from .rules import alert_rules_create_defaults, rule_spec

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvaluationResult:
    """What one evaluation run found: breaches, and what became of them."""

    organisations: int = 0
    rules: int = 0
    breaches: int = 0
    created: tuple[int, ...] = field(default_factory=tuple)
    existing: int = 0
    suppressed: int = 0

    def __add__(self, other: "EvaluationResult") -> "EvaluationResult":
        return EvaluationResult(
            organisations=self.organisations + other.organisations,
            rules=self.rules + other.rules,
            breaches=self.breaches + other.breaches,
            created=self.created + other.created,
            existing=self.existing + other.existing,
            suppressed=self.suppressed + other.suppressed,
        )


def local_day(*, organisation: Organisation, offset_days: int = 0) -> date:
    """Today (offset 0) or another day relative to it, in the organisation's time zone."""
    return timezone.now().astimezone(organisation.tzinfo).date() + timedelta(days=offset_days)


def alerts_evaluate(
    *,
    day: date | None = None,
    days: int = 1,
    current_day: bool = False,
    organisation_ids: list[int] | None = None,
) -> EvaluationResult:
    """Evaluate every organisation's rules for `day` (default: yesterday in each time zone).

    days: evaluate the `days` days ending on `day`, oldest first, as the nightly runs would have
    (a backfill). current_day: evaluate today's running day instead (the hourly run).
    """
    organisations = Organisation.objects.order_by("id")
    if organisation_ids is not None:
        organisations = organisations.filter(pk__in=organisation_ids)
    result = EvaluationResult()
    for organisation in organisations:
        if day is not None:
            target = day
        else:
            target = local_day(organisation=organisation, offset_days=0 if current_day else -1)
        result += alerts_evaluate_organisation(
            organisation=organisation,
            day=target,
            days=days,
            partial_day=current_day or target >= local_day(organisation=organisation),
        )
    return result


def alerts_evaluate_organisation(
    *, organisation: Organisation, day: date, days: int = 1, partial_day: bool = False
) -> EvaluationResult:
    """Evaluate one organisation's active rules for the `days` days ending on `day`.

    The daily statistics are read once for all of them. partial_day: `day` is still running;
    volume is not judged on it.
    """
    if not AlertRule.objects.filter(organisation=organisation).exists():
        # An organisation nobody configured still gets monitored.
        alert_rules_create_defaults(organisation=organisation)
    rules = list(
        AlertRule.objects.filter(organisation=organisation, is_active=True)
        .select_related("webhook")
        .order_by("id")
    )
    touchpoints = list(
        Touchpoint.objects.filter(phase__journey__organisation=organisation, is_active=True)
        .only("id", "phase_id")
        .order_by("id")
    )
    result = EvaluationResult(organisations=1, rules=len(rules))
    if not rules or not touchpoints:
        return result
    specs = {rule.pk: rule_spec(rule) for rule in rules}
    history = max(series_days_needed(spec) for spec in specs.values())
    series = daily_series(
        touchpoint_ids=[tp.pk for tp in touchpoints],
        start=day - timedelta(days=history + days - 2),
        end=day,
    )
    for back in range(days - 1, -1, -1):
        end = len(series[touchpoints[0].pk]) - back
        breaches: list[tuple[AlertRule, int, Breach]] = []
        for rule in rules:
            for touchpoint in touchpoints:
                if rule.touchpoint_id and rule.touchpoint_id != touchpoint.pk:
                    continue
                if rule.phase_id and rule.phase_id != touchpoint.phase_id:
                    continue
                breach = detect(
                    specs[rule.pk],
                    series[touchpoint.pk][:end],
                    partial_last_day=partial_day and back == 0,
                )
                if breach is not None:
                    breaches.append((rule, touchpoint.pk, breach))
        result += EvaluationResult(breaches=len(breaches))
        for rule, touchpoint_id, breach in breaches:
            alert, outcome = _alert_record(
                organisation=organisation, rule=rule, touchpoint_id=touchpoint_id, breach=breach
            )
            if outcome == "created" and alert is not None:
                result += EvaluationResult(created=(alert.pk,))
            elif outcome == "existing":
                result += EvaluationResult(existing=1)
            else:
                result += EvaluationResult(suppressed=1)
    return result


@transaction.atomic
def _alert_record(
    *, organisation: Organisation, rule: AlertRule, touchpoint_id: int, breach: Breach
) -> tuple[Alert | None, str]:
    """Record one breach: 'created', 'existing' (already alerted) or 'suppressed' (cooldown)."""
    # One writer per touchpoint at a time, so the cooldown check and the insert cannot interleave
    # with a concurrent run (nightly and hourly) for another rule of the same touchpoint.
    Touchpoint.objects.select_for_update().filter(pk=touchpoint_id).first()
    key = {
        "rule": rule,
        "touchpoint_id": touchpoint_id,
        "kpi": breach.kpi,
        "breach_start": breach.breach_start,
    }
    existing = Alert.objects.filter(**key).first()
    if existing is not None:
        return existing, "existing"
    # Cooldown: one incident at a touchpoint is one message, whichever rule sees it first. A
    # breach belongs to an alerted incident when that alert lies within the cooldown around the
    # breach's span (start .. day), so a breach first seen inside a cooldown stays silent even
    # when it outlasts the cooldown.
    cooldown = timedelta(days=rule.cooldown_days)
    if (
        rule.cooldown_days
        and Alert.objects.filter(
            touchpoint_id=touchpoint_id,
            day__gt=breach.breach_start - cooldown,
            day__lt=breach.day + cooldown,
        ).exists()
    ):
        return None, "suppressed"
    alert, created = Alert.objects.get_or_create(
        **key,
        defaults={
            "organisation": organisation,
            "direction": breach.direction,
            "value": breach.value,
            "expected": breach.expected,
            "limit": breach.limit,
            "p_value": breach.p_value,
            "n": breach.n,
            "day": breach.day,
        },
    )
    if not created:
        return alert, "existing"
    webhook = rule.webhook is not None and rule.webhook.is_active
    transaction.on_commit(partial(alert_deliveries_enqueue, alert_id=alert.pk, webhook=webhook))
    return alert, "created"


def alert_deliveries_enqueue(*, alert_id: int, webhook: bool, email: bool = True) -> None:
    """Queue the e-mail (and webhook) of a new alert; one task each, so one failure stays local."""
    from dashboards.monitoring.tasks import alert_email_send, alert_webhook_send

    tasks = [
        task
        for task, wanted in ((alert_email_send, email), (alert_webhook_send, webhook))
        if wanted
    ]
    for task in tasks:
        try:
            task.apply_async(kwargs={"alert_id": alert_id})
        except Exception:
            # A dead broker (or, in eager mode, a delivery bug) must not stop the evaluation of
            # other alerts; the alert is stored, and alert_deliveries_heal queues it again.
            logger.exception("could not queue %s for alert %s", task.name, alert_id)


HEAL_AFTER = timedelta(minutes=15)
HEAL_WITHIN = timedelta(days=2)


def alert_deliveries_heal(*, now: datetime | None = None) -> int:
    """Queue again the deliveries of recent alerts that never saw an attempt (a lost task)."""
    now = now or timezone.now()
    recent = list(
        Alert.objects.filter(
            created_at__gte=now - HEAL_WITHIN, created_at__lte=now - HEAL_AFTER
        ).select_related("rule__webhook")
    )
    attempted = set(
        AlertDelivery.objects.filter(alert__in=recent).values_list("alert_id", "channel")
    )
    healed = 0
    for alert in recent:
        endpoint = alert.rule.webhook
        email = (alert.pk, AlertDelivery.Channel.EMAIL) not in attempted
        webhook = (
            endpoint is not None
            and endpoint.is_active
            and (alert.pk, AlertDelivery.Channel.WEBHOOK) not in attempted
        )
        if email or webhook:
            alert_deliveries_enqueue(alert_id=alert.pk, webhook=webhook, email=email)
            healed += 1
    return healed
