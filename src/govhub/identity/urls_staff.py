"""Staff pages, mounted at /account/staff/ (namespace "identity_staff")."""

from django.urls import path

from govhub.identity import views_staff, views_staff_new

app_name = "identity_staff"

urlpatterns = [
    path("", views_staff.index, name="index"),
    path("activations/", views_staff.activations, name="activations"),
    path("new/", views_staff_new.staff_new, name="staff_new"),
    path(
        "activations/<int:pk>/issue/",
        views_staff.activation_issue,
        name="activation_issue",
    ),
    path(
        "activations/<int:pk>/remove-authenticator/",
        views_staff.totp_remove,
        name="totp_remove",
    ),
    path("confirm-in-person/", views_staff.confirm_in_person, name="confirm_in_person"),
]
