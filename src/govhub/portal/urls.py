from django.urls import path

from govhub.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("mode/", views.set_mode, name="set_mode"),
    path("accessibility/", views.accessibility, name="accessibility"),
]
