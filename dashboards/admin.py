"""Django loads an app's admin from `<app>.admin`; each part registers its own models."""

from dashboards.monitoring import admin as monitoring_admin
from dashboards.statistics import admin as statistics_admin
from dashboards.themes import admin as themes_admin

__all__ = ["monitoring_admin", "statistics_admin", "themes_admin"]
