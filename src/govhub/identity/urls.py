"""The identity pages, mounted at /account/ (namespace "identity")."""

from django.urls import path

from govhub.identity import views, views_account, views_enterprise

app_name = "identity"

urlpatterns = [
    path("", views_account.profile, name="profile"),
    path("register/", views.register, name="register"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/verify/", views.second_factor, name="second_factor"),
    path("step-up/", views.step_up, name="step_up"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("password/", views_account.password_change, name="password_change"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("mobile/", views_account.mobile_change, name="mobile_change"),
    path("authenticator/", views_account.totp, name="totp"),
    path("authenticator/remove/", views_account.totp_remove, name="totp_remove"),
    path("history/", views_account.history, name="history"),
    path("enterprises/", views_enterprise.enterprises, name="enterprises"),
    path("enterprises/register/", views_enterprise.enterprise_register, name="enterprise_register"),
    path("enterprises/acting-for/", views_enterprise.acting_for_switch, name="acting_for"),
    path("enterprises/<str:uscc>/agents/", views_enterprise.agents, name="agents"),
    path(
        "enterprises/<str:uscc>/agents/<int:pk>/revoke/",
        views_enterprise.agent_revoke,
        name="agent_revoke",
    ),
    path("activate/<str:token>/", views_account.activate, name="activate"),
    path("dev/sms/", views_account.sms_outbox, name="sms_outbox"),
]
