"""Alert rules: the defaults every organisation starts with."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from dashboards.analytics.detection import RuleSpec
from dashboards.analytics.vocabulary import Kpi
from dashboards.monitoring.models import AlertRule, Condition
from touchpoints.models import Organisation


@dataclass(frozen=True)
class DefaultRule:
    name: Promise
    kpi: str
    condition: str
    alpha: float = 0.01
    width: float = 3.0
    period_days: int = 7
    baseline_days: int = 28
    min_n: int = 30
    min_change: float = 0.0
    cooldown_days: int = 7


# Tuned with tests/dashboards/monitoring/test_alerts_simulation.py: on stable 90-day series
# these raise at most one false alert per touchpoint, and they catch a 1.5-point drop within a
# day or two.
# min_change keeps statistically certain but negligible moves (large n) from alerting.
DEFAULT_RULES: tuple[DefaultRule, ...] = (
    DefaultRule(
        name=_("Satisfaction outside the control limits"),
        kpi=Kpi.SATISFACTION,
        condition=Condition.CONTROL_LIMITS,
        width=3.0,
        period_days=7,
        baseline_days=56,
        min_n=10,
        min_change=0.3,
    ),
    DefaultRule(
        name=_("Satisfaction: significant drop (7 against 28 days)"),
        kpi=Kpi.SATISFACTION,
        condition=Condition.SIGNIFICANT_DROP,
        alpha=0.001,
        period_days=7,
        baseline_days=28,
        min_n=30,
        min_change=0.3,
    ),
    DefaultRule(
        name=_("NPS: significant drop (7 against 28 days)"),
        kpi=Kpi.NPS,
        condition=Condition.SIGNIFICANT_DROP,
        alpha=0.001,
        period_days=7,
        baseline_days=28,
        min_n=30,
        min_change=10.0,
    ),
)


@transaction.atomic
def alert_rules_create_defaults(*, organisation: Organisation) -> list[AlertRule]:
    """Give an organisation that has no rules the default rules; otherwise change nothing."""
    # Serialise concurrent callers (evaluation and admin) on the organisation row.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    existing = list(AlertRule.objects.filter(organisation=organisation).order_by("id"))
    if existing:
        return existing
    with translation.override(organisation.default_language):
        rules = [
            AlertRule(
                organisation=organisation,
                name=str(default.name),
                kpi=default.kpi,
                condition=default.condition,
                alpha=default.alpha,
                width=default.width,
                period_days=default.period_days,
                baseline_days=default.baseline_days,
                min_n=default.min_n,
                min_change=default.min_change,
                cooldown_days=default.cooldown_days,
            )
            for default in DEFAULT_RULES
        ]
    for rule in rules:
        rule.save()
    return rules


def rule_spec(rule: AlertRule) -> RuleSpec:
    """The detection view of a stored rule."""
    return RuleSpec(
        rule_id=rule.pk,
        kpi=rule.kpi,
        condition=rule.condition,
        threshold=rule.threshold,
        min_change=rule.min_change,
        alpha=rule.alpha,
        width=rule.width,
        period_days=rule.period_days,
        baseline_days=rule.baseline_days,
        min_n=rule.min_n,
    )
