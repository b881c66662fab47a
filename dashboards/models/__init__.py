from .stats import DailyStat, TouchpointDay

__all__ = ["DailyStat", "TouchpointDay"]
