from django.urls import path

from govhub.sample_department import views

app_name = "sample_department"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("callback/", views.callback, name="callback"),
    path("logout/", views.logout, name="logout"),
    path("frontchannel-logout/", views.frontchannel_logout, name="frontchannel_logout"),
]
