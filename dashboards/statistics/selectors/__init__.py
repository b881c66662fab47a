"""Reads of the dashboards app (daily statistics, stored importance, worker health)."""
