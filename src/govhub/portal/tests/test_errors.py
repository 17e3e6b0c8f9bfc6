import logging

import pytest
from django.test import RequestFactory, override_settings

from govhub.portal import views

REQUEST_ID = "test-request-0123456789"
HEADERS = {"X-Request-ID": REQUEST_ID}


@pytest.fixture(autouse=True)
def _quiet_request_log(caplog):
    caplog.set_level(logging.CRITICAL, logger="django.request")
    caplog.set_level(logging.CRITICAL, logger="django.security")


def _assert_helpful(html: str, status: int) -> None:
    assert f"错误代码 {status}" in html
    assert REQUEST_ID in html
    assert "12345" in html
    assert 'href="/"' in html
    assert 'href="/directory/"' in html
    assert '<html lang="zh-Hans"' in html


@override_settings(DEBUG=False)
@pytest.mark.django_db
def test_404_for_a_missing_path(client):
    response = client.get("/no-such-page/", headers=HEADERS)
    assert response.status_code == 404
    html = response.content.decode()
    _assert_helpful(html, 404)
    assert "找不到您要访问的页面" in html
    assert 'name="q"' in html  # a search box to carry on from
    assert "/static/portal/css/portal.css" in html
    assert response["X-Request-ID"] == REQUEST_ID


@override_settings(DEBUG=False, ROOT_URLCONF="govhub.portal.tests.urls_errors")
@pytest.mark.django_db
def test_400(client):
    response = client.get("/test-errors/400/", headers=HEADERS)
    assert response.status_code == 400
    html = response.content.decode()
    _assert_helpful(html, 400)
    assert "请求无法处理" in html


@override_settings(DEBUG=False, ROOT_URLCONF="govhub.portal.tests.urls_errors")
@pytest.mark.django_db
def test_403(client):
    response = client.get("/test-errors/403/", headers=HEADERS)
    assert response.status_code == 403
    html = response.content.decode()
    _assert_helpful(html, 403)
    assert "您没有权限访问这个页面" in html


@override_settings(DEBUG=False, ROOT_URLCONF="govhub.portal.tests.urls_errors")
@pytest.mark.django_db
def test_500_through_the_stack(client):
    client.raise_request_exception = False
    response = client.get("/test-errors/500/", headers=HEADERS)
    assert response.status_code == 500
    html = response.content.decode()
    _assert_helpful(html, 500)
    assert "系统暂时出了问题" in html


@override_settings(DEBUG=False)
@pytest.mark.django_db
def test_404_in_elder_mode_keeps_the_mode(client):
    client.cookies["govhub_mode"] = "elder"
    html = client.get("/missing/").content.decode()
    assert '<body class="mode-elder">' in html


def test_500_needs_no_database_no_static_files_and_no_context_processors():
    # No django_db mark: any query would fail this test.
    request = RequestFactory().get("/broken/")
    request.request_id = REQUEST_ID
    with override_settings(
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {"context_processors": ["govhub.portal.tests.test_errors.broken"]},
            }
        ],
        STATIC_URL=None,
    ):
        response = views.server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "系统暂时出了问题" in html
    assert REQUEST_ID in html
    assert "<link" not in html and "<script" not in html
    assert "鹤岗市政务服务网" in html


def broken(request):
    raise RuntimeError("a context processor that fails")


def test_500_survives_a_broken_template(monkeypatch, caplog):
    def explode(*args, **kwargs):
        raise RuntimeError("template engine down")

    monkeypatch.setattr(views, "render_to_string", explode)
    response = views.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "12345" in response.content.decode()


def test_500_in_english(settings):
    from django.utils import translation

    with translation.override("en"):
        response = views.server_error(RequestFactory().get("/"))
    assert '<html lang="en"' in response.content.decode()


@override_settings(DEBUG=False, CSRF_FAILURE_VIEW="govhub.portal.views.csrf_failure")
@pytest.mark.django_db
def test_csrf_failure_page_explains_what_to_do():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/mode/", {"mode": "elder", "next": "/"}, headers=HEADERS)
    assert response.status_code == 403
    html = response.content.decode()
    _assert_helpful(html, 403)
    assert "表单的安全校验没有通过" in html
    assert "您没有权限访问这个页面" not in html
