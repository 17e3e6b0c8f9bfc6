"""The supervision pages, mounted at /supervision/ (namespace "supervision")."""

from django.urls import path, re_path

from govhub.supervision import views_alerts, views_dashboard, views_exports

app_name = "supervision"

REGION = r"(?P<region>[0-9]{6,12})"
DEPARTMENT = r"(?P<department>[-a-zA-Z0-9_]+)"
TABLE = r"(?P<table>[a-z]+)"

urlpatterns = [
    path("", views_dashboard.home, name="home"),
    re_path(rf"^r/{REGION}/$", views_dashboard.node, name="region"),
    re_path(rf"^r/{REGION}/d/{DEPARTMENT}/$", views_dashboard.node, name="department"),
    re_path(rf"^r/{REGION}/export\.xlsx$", views_exports.figures_xlsx, name="export_xlsx"),
    re_path(rf"^r/{REGION}/export/{TABLE}\.csv$", views_exports.figures_csv, name="export_csv"),
    re_path(
        rf"^r/{REGION}/d/{DEPARTMENT}/export\.xlsx$",
        views_exports.figures_xlsx,
        name="export_xlsx_department",
    ),
    re_path(
        rf"^r/{REGION}/d/{DEPARTMENT}/export/{TABLE}\.csv$",
        views_exports.figures_csv,
        name="export_csv_department",
    ),
    path("alerts/", views_alerts.alert_list, name="alerts"),
    path("alerts/export.csv", views_exports.alerts_csv, name="alerts_csv"),
    path("alerts/export.xlsx", views_exports.alerts_xlsx, name="alerts_xlsx"),
    path("alerts/<int:pk>/", views_alerts.alert_page_view, name="alert"),
    path("alerts/<int:pk>/<slug:action>/", views_alerts.act, name="act"),
    path("notices/<int:pk>.pdf", views_alerts.notice_pdf, name="notice_pdf"),
]
