"""Public pages and API in-process (Django test client, no network): the app's own cost."""

from __future__ import annotations

from common import Figure, latency_figures, timed_ms


def run() -> list[Figure]:
    from django.test import Client

    from govhub.organizations.models import Department

    client = Client(HTTP_HOST="127.0.0.1")
    department = Department.objects.order_by("sort_order").first()
    assert department is not None, "the demo data has no departments"
    pages = [
        ("GET /healthz (floor)", "/healthz", None),
        ("GET / (home)", "/", 50.0),
        ("GET /directory/", "/directory/", 50.0),
        ("GET /directory/?q=市场", "/directory/?q=市场", 50.0),
        (
            f"GET /directory/departments/{department.code}/",
            f"/directory/departments/{department.code}/",
            50.0,
        ),
        ("GET /api/v1/organizations/departments", "/api/v1/organizations/departments", 50.0),
    ]
    figures: list[Figure] = []
    for name, url, target in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        samples = timed_ms(lambda url=url: client.get(url), repeat=300)
        figures += latency_figures(name, samples, p95_target=target)
    return figures
