"""URLs for these tests: the project's, plus the inbox pages and an API carrying this
app's router (the project wires both itself; the tests do not depend on that)."""

from django.urls import include, path
from ninja import NinjaAPI

from govhub.core.errors import register_error_handlers
from govhub.notifications.api import router
from govhub.urls import urlpatterns as project_urlpatterns

api = NinjaAPI(urls_namespace="notifications-test-api", docs_url=None, openapi_url=None)
register_error_handlers(api)
api.add_router("/notifications/", router)

API = "/test-api/v1/notifications"

urlpatterns = [
    path("account/inbox/", include("govhub.notifications.urls")),
    path("test-api/v1/", api.urls),
    *project_urlpatterns,
]
