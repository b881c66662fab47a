# Comment themes keep their models in their own part; imported here so Django registers them.
from dashboards.themes.models import (
    CommentAnalysis,
    CommentDay,
    CommentTheme,
    Theme,
    ThemeDay,
    ThemeKeyword,
)

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
    "CommentAnalysis",
    "CommentDay",
    "CommentTheme",
    "Condition",
    "DailyStat",
    "DigestSubscription",
    "FollowUp",
    "Kpi",
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
