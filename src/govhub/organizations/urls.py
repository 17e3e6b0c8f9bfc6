from django.urls import path

from govhub.organizations import views

app_name = "organizations"
urlpatterns = [
    path("", views.directory, name="directory"),
]
