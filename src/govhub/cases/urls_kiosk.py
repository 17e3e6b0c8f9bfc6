"""The self-service kiosk, mounted at /kiosk/ (namespace "kiosk")."""

from django.urls import path

from govhub.cases import views_kiosk as views

app_name = "kiosk"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("verify/", views.verify, name="verify"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("ping/", views.ping, name="ping"),
    path("apply/", views.apply_list, name="apply_list"),
    path("apply/<str:code>/", views.apply, name="apply"),
    path("guides/", views.guides, name="guides"),
    path("guides/<str:code>/", views.guide, name="guide"),
    path("drafts/<int:pk>/", views.draft, name="draft"),
    path("drafts/<int:pk>/discard/", views.draft_discard, name="draft_discard"),
    path("uploads/<int:pk>/<int:material_id>/", views.material_upload, name="material_upload"),
    path("mine/", views.mine, name="mine"),
    path("status/", views.status, name="status"),
    path("cases/<str:number>/", views.case, name="detail"),
    path("cases/<str:number>/resubmit/", views.resubmit, name="resubmit"),
    path("cases/<str:number>/withdraw/", views.withdraw, name="withdraw"),
    path("cases/<str:number>/results/<int:result_id>/", views.result, name="result"),
    path(
        "cases/<str:number>/notices/supplement-<int:supplement_id>.pdf",
        views.supplement_notice,
        name="supplement_notice",
    ),
    path("cases/<str:number>/notices/<slug:kind>.pdf", views.notice, name="notice"),
]
