from django.urls import path

from govhub.organizations import views

app_name = "organizations"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("departments/<slug:code>/", views.department_detail, name="department_detail"),
    path("regions/<str:code>/", views.region_detail, name="region_detail"),
    path("halls/<slug:code>/", views.hall_detail, name="hall_detail"),
]
