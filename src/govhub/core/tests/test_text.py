"""Lists, the site's name and the admin site's titles in the active language."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation

from govhub.core.text import admin_site_header, join_list, site_name
from govhub.identity.testing import sign_in_admin


def test_join_list_uses_the_separator_of_the_active_language():
    with translation.override("zh-hans"):
        assert join_list(["鹤岗市民政局", "鹤岗市财政局"]) == "鹤岗市民政局、鹤岗市财政局"
    with translation.override("en"):
        assert join_list(["Civil Affairs", "Finance", 2027]) == "Civil Affairs, Finance, 2027"
        assert join_list(["Finance"]) == "Finance"
        assert join_list([]) == ""


def test_site_name_defaults_to_hegang_and_follows_the_setting(settings):
    settings.GOVHUB_SITE_NAME = ""
    with translation.override("zh-hans"):
        assert admin_site_header() == "鹤岗市政务服务网 管理后台"
    with translation.override("en"):
        assert admin_site_header() == "Hegang Government Services administration"
    settings.GOVHUB_SITE_NAME = "某市政务服务网"
    with translation.override("en"):
        assert site_name() == "某市政务服务网"
        assert admin_site_header() == "某市政务服务网 administration"


@pytest.mark.django_db
def test_admin_pages_carry_the_site_name_in_the_readers_language(client):
    # The admin has no sign-in page of its own: staff sign in (with TOTP) at the portal.
    assert client.get("/admin/login/")["Location"].startswith("/account/sign-in/?next=")

    sign_in_admin(client, get_user_model().objects.create_superuser("admin", password=None))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    index = client.get("/admin/").content.decode()
    assert "Django" not in index
    assert "Hegang Government Services administration</a>" in index
    assert "<h1>Site administration</h1>" in index
    # Model names in the index are the plural forms.
    assert ">Departments</a>" in index and ">Working calendar years</a>" in index
