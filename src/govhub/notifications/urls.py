"""The inbox pages; the project mounts them at /account/inbox/ (namespace "notifications")."""

from django.urls import path

from govhub.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("<int:pk>/", views.message_detail, name="message"),
]
