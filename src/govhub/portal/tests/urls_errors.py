"""The project's URLs plus views that fail on purpose, for the error-page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from govhub.urls import urlpatterns as project_urlpatterns


def raise_400(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("test")


def raise_403(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def raise_500(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("test failure")


urlpatterns = [
    path("test-errors/400/", raise_400),
    path("test-errors/403/", raise_403),
    path("test-errors/500/", raise_500),
    *project_urlpatterns,
]

handler400 = "govhub.portal.views.bad_request"
handler403 = "govhub.portal.views.permission_denied"
handler404 = "govhub.portal.views.page_not_found"
handler500 = "govhub.portal.views.server_error"
