"""Django loads an app's models from `<app>.models`; the models themselves live with their part."""

from dashboards.monitoring.models import (
    Alert,
    AlertComment,
    AlertDelivery,
    AlertRule,
    Condition,
    DigestSubscription,
    FollowUp,
    WebhookEndpoint,
)
from dashboards.statistics.models import (
    DailyStat,
    StatBlock,
    TouchpointBlock,
    TouchpointDay,
    TouchpointImportance,
    WorkerHeartbeat,
)
from dashboards.themes.models import (
    CommentAnalysis,
    CommentDay,
    CommentTheme,
    Theme,
    ThemeDay,
    ThemeKeyword,
)

__all__ = [
    "Alert",
    "AlertComment",
    "AlertDelivery",
    "AlertRule",
    "CommentAnalysis",
    "CommentDay",
    "CommentTheme",
    "Condition",
    "DailyStat",
    "DigestSubscription",
    "FollowUp",
    "StatBlock",
    "Theme",
    "ThemeDay",
    "ThemeKeyword",
    "TouchpointBlock",
    "TouchpointDay",
    "TouchpointImportance",
    "WebhookEndpoint",
    "WorkerHeartbeat",
]
