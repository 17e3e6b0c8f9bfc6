from django.urls import URLPattern

app_name = "sample_department"
urlpatterns: list[URLPattern] = []
