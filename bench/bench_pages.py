"""Public pages and API in-process (Django test client, no network): the app's own cost."""

from __future__ import annotations

from common import Figure, latency_figures, timed_ms


def run() -> list[Figure]:
    from django.test import Client

    from govhub.catalog.models import ImplementationItem
    from govhub.organizations.models import Department

    client = Client(HTTP_HOST="127.0.0.1")
    department = Department.objects.order_by("sort_order").first()
    assert department is not None, "the demo data has no departments"
    # A demo item with a full guide (materials, steps, fees), among however many items the
    # catalogue benchmark generated before this one runs.
    item = (
        ImplementationItem.objects.filter(published_version__isnull=False, state="active")
        .order_by("implementation_code")
        .first()
    )
    assert item is not None, "the demo data has no published items"
    guide = f"/services/items/{item.implementation_code}/"
    items = ImplementationItem.objects.count()
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
        ("GET /services/ (catalogue home)", "/services/", 50.0),
        ("GET guide page", guide, 50.0),
        ("GET /services/search/?q=营业执照", "/services/search/?q=营业执照", 50.0),
        (
            "GET /api/v1/catalog/items/{code}",
            f"/api/v1/catalog/items/{item.implementation_code}",
            50.0,
        ),
    ]
    figures: list[Figure] = []
    for name, url, target in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        samples = timed_ms(lambda url=url: client.get(url), repeat=300)
        figures += latency_figures(name, samples, p95_target=target, note=f"{items:,} items")
    return figures
