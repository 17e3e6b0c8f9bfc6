"""The project's URLconf with the TOTP-only admin site in place of the installed one, for
its tests (whether or not the project's settings use it yet)."""

from django.urls import path

from govhub import urls as project
from govhub.identity.admin_site import GovhubAdminSite
from govhub.identity.models import SignInEvent

site = GovhubAdminSite(name="admin")
site.register(SignInEvent)

urlpatterns = [
    path("admin/", site.urls),
    *[pattern for pattern in project.urlpatterns if str(pattern.pattern) != "admin/"],
]

handler400 = project.handler400
handler403 = project.handler403
handler404 = project.handler404
handler500 = project.handler500
