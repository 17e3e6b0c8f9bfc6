"""The applicant's pages, mounted at /cases/ (namespace "cases")."""

from django.urls import path

from govhub.cases import views_applicant as views

app_name = "cases"

urlpatterns = [
    path("apply/<str:code>/", views.apply_view, name="apply"),
    path("drafts/<int:pk>/", views.draft_view, name="draft"),
    path("drafts/<int:pk>/discard/", views.draft_discard_view, name="draft_discard"),
    path(
        "uploads/<int:pk>/<int:material_id>/",
        views.material_upload_view,
        name="material_upload",
    ),
    path("mine/", views.mine_view, name="mine"),
    path("status/", views.status_view, name="status"),
    path("<str:number>/", views.case_view, name="detail"),
    path("<str:number>/resubmit/", views.resubmit_view, name="resubmit"),
    path("<str:number>/withdraw/", views.withdraw_view, name="withdraw"),
    path("<str:number>/results/<int:result_id>/", views.result_view, name="result"),
    path(
        "<str:number>/notices/supplement-<int:supplement_id>.pdf",
        views.supplement_notice_view,
        name="supplement_notice",
    ),
    path("<str:number>/notices/<slug:kind>.pdf", views.notice_view, name="notice"),
]
