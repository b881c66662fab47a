from .alerts import (
    Alert,
    AlertComment,
    AlertDelivery,
    AlertRule,
    Condition,
    DigestSubscription,
    FollowUp,
    Kpi,
    WebhookEndpoint,
)
from .stats import (
    DailyStat,
    StatBlock,
    TouchpointBlock,
    TouchpointDay,
    TouchpointImportance,
    WorkerHeartbeat,
)

__all__ = [
    "Alert",
    "AlertComment",
    "AlertDelivery",
    "AlertRule",
    "Condition",
    "DailyStat",
    "DigestSubscription",
    "FollowUp",
    "Kpi",
    "StatBlock",
    "TouchpointBlock",
    "TouchpointDay",
    "TouchpointImportance",
    "WebhookEndpoint",
    "WorkerHeartbeat",
]
