"""Celery discovers an app's tasks in `<app>.tasks`; each part declares its own."""

from dashboards.monitoring import tasks as monitoring_tasks
from dashboards.statistics import tasks as statistics_tasks
from dashboards.themes import tasks as themes_tasks

__all__ = ["monitoring_tasks", "statistics_tasks", "themes_tasks"]
