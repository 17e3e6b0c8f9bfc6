"""Demo data: the sample department system registered as a client of the OpenID provider.

Idempotent; the client secret is `settings.GOVHUB_SAMPLE_CLIENT_SECRET` (stored hashed).
"""

from __future__ import annotations

from django.conf import settings
from oauth2_provider.models import Application

from govhub.identity.oidc_models import OidcClientProfile
from govhub.organizations.models import Department

DEPARTMENT_CODE = "hg-mzj"  # 鹤岗市民政局 in the organisations demo data
NAME = "示例部门业务系统"


def load() -> dict[str, int]:
    bases = [base.rstrip("/") for base in settings.GOVHUB_SAMPLE_CLIENT_BASE_URLS]
    application = Application.objects.filter(client_id=settings.GOVHUB_SAMPLE_CLIENT_ID).first()
    if application is None:
        application = Application(client_id=settings.GOVHUB_SAMPLE_CLIENT_ID)
    application.name = NAME
    application.client_type = Application.CLIENT_CONFIDENTIAL
    application.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
    application.algorithm = Application.RS256_ALGORITHM
    application.skip_authorization = False
    application.client_secret = settings.GOVHUB_SAMPLE_CLIENT_SECRET
    application.hash_client_secret = True
    application.redirect_uris = " ".join(f"{base}/sample-department/callback/" for base in bases)
    application.post_logout_redirect_uris = " ".join(f"{base}/sample-department/" for base in bases)
    application.save()
    OidcClientProfile.objects.update_or_create(
        application=application,
        defaults={
            "department": Department.objects.filter(code=DEPARTMENT_CODE).first(),
            "description": "演示用的部门业务系统，展示统一身份认证的单点登录与退出。",
            "trusted": True,
            "full_id_number": True,
            "frontchannel_logout_uri": f"{bases[0]}/sample-department/frontchannel-logout/"
            if bases
            else "",
        },
    )
    return {"oidc clients": 1}
