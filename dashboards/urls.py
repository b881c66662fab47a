from django.urls import URLPattern, URLResolver, path

from dashboards.monitoring import views as alert_views
from dashboards.pages import api, comment_views, views

app_name = "dashboards"

urlpatterns: list[URLPattern | URLResolver] = [
    path("api/v1/kpis/", api.KpiListApi.as_view(), name="api-kpis"),
    path(
        "api/v1/responses/export.csv", api.ResponseExportApi.as_view(), name="api-responses-export"
    ),
    # Dashboard pages
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/analysis/", views.analysis, name="analysis"),
    path("dashboard/export.csv", views.export_csv, name="export-csv"),
    path("dashboard/export.xlsx", views.export_xlsx, name="export-xlsx"),
    path("dashboard/assets/plotly-<str:version>.min.js", views.plotly_js, name="plotly-js"),
    path("dashboard/comments/", comment_views.comments, name="comments"),
    path("dashboard/comments/export.csv", comment_views.comments_export, name="comments-export"),
    path("dashboard/tile-themes/", comment_views.tile_themes, name="tile-themes"),
    # Monitoring and the closed loop
    path("dashboard/alerts/", alert_views.alert_list, name="alerts"),
    path(
        "dashboard/alerts/<int:alert_id>/<slug:action>/",
        alert_views.alert_action,
        name="alert-action",
    ),
    path("dashboard/digest/", alert_views.digest_toggle, name="digest-toggle"),
    path("dashboard/followups/", alert_views.followup_list, name="followups"),
    path(
        "dashboard/followups/<int:followup_id>/",
        alert_views.followup_change,
        name="followup-change",
    ),
]
