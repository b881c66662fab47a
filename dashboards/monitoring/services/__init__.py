"""Monitoring and the closed loop: rules, evaluation, delivery, actions, the weekly digest."""

from dashboards.monitoring.services.actions import (
    alert_acknowledge,
    alert_comment_add,
    alert_resolve,
)
from dashboards.monitoring.services.delivery import (
    MAX_ATTEMPTS,
    DeliveryOutcome,
    alert_email_deliver,
    alert_email_message,
    alert_webhook_deliver,
    alert_webhook_payload,
    retry_countdown,
    webhook_signature,
)
from dashboards.monitoring.services.digest import digest_message, digest_send, digest_subscribe
from dashboards.monitoring.services.evaluation import (
    EvaluationResult,
    alert_deliveries_enqueue,
    alert_deliveries_heal,
    alerts_evaluate,
    alerts_evaluate_organisation,
)
from dashboards.monitoring.services.rules import (
    DEFAULT_RULES,
    alert_rules_create_defaults,
    rule_spec,
)

__all__ = [
    "DEFAULT_RULES",
    "MAX_ATTEMPTS",
    "DeliveryOutcome",
    "EvaluationResult",
    "alert_acknowledge",
    "alert_comment_add",
    "alert_deliveries_enqueue",
    "alert_deliveries_heal",
    "alert_email_deliver",
    "alert_email_message",
    "alert_resolve",
    "alert_rules_create_defaults",
    "alert_webhook_deliver",
    "alert_webhook_payload",
    "alerts_evaluate",
    "alerts_evaluate_organisation",
    "digest_message",
    "digest_send",
    "digest_subscribe",
    "retry_countdown",
    "rule_spec",
    "webhook_signature",
]
