"""Writes of the dashboards app: aggregation of daily statistics, stored importance."""
