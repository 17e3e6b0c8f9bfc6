from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from govhub.api import api
from govhub.portal import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("directory/", include("govhub.organizations.urls")),
    path("services/", include("govhub.catalog.urls")),
    path("cases/", include("govhub.cases.urls")),
    path("kiosk/", include("govhub.cases.urls_kiosk")),
    path("workbench/", include("govhub.cases.urls_staff")),
    path("supervision/", include("govhub.supervision.urls")),
    path("account/staff/", include("govhub.identity.urls_staff")),
    path("account/inbox/", include("govhub.notifications.urls")),
    path("account/", include("govhub.identity.urls")),
    path("", include("govhub.identity.oidc.urls")),
    path("sample-department/", include("govhub.sample_department.urls")),
    path("", include("govhub.portal.urls")),
]

if settings.DEBUG:  # pragma: no cover - development convenience only
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler400 = "govhub.portal.views.bad_request"
handler403 = "govhub.portal.views.permission_denied"
handler404 = "govhub.portal.views.page_not_found"
handler500 = "govhub.portal.views.server_error"
