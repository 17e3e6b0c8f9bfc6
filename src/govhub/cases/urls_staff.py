"""The staff workbench, mounted at /workbench/ (namespace "workbench")."""

from django.urls import path

from govhub.cases import views_staff, views_staff_files, views_staff_intake

app_name = "workbench"

urlpatterns = [
    path("", views_staff.queue, name="queue"),
    path("intake/", views_staff_intake.intake, name="intake"),
    path("intake/receipt/<str:number>/", views_staff_intake.intake_receipt, name="intake_receipt"),
    path("intake/<str:code>/", views_staff_intake.intake_item, name="intake_item"),
    path("cases/<str:number>/", views_staff.case_page, name="case"),
    path("cases/<str:number>/act/<slug:action>/", views_staff.case_act, name="act"),
    path("cases/<str:number>/id-number/", views_staff_files.id_number_reveal, name="id_number"),
    path(
        "cases/<str:number>/files/<int:pk>/", views_staff_files.material_file, name="material_file"
    ),
    path("cases/<str:number>/results/<int:pk>/", views_staff_files.result_file, name="result_file"),
    path(
        "cases/<str:number>/notices/supplement-<int:pk>.pdf",
        views_staff_files.supplement_notice_pdf,
        name="supplement_notice",
    ),
    path("cases/<str:number>/notices/<slug:kind>.pdf", views_staff_files.notice_pdf, name="notice"),
]
