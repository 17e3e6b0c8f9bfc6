"""The API root, its OpenAPI description and its docs served from our own static files."""

from __future__ import annotations

import re

import pytest


@pytest.mark.django_db
def test_index_lists_resources(client):
    body = client.get("/api/v1/").json()
    assert body["version"] == "1"
    assert body["openapi"].endswith("/api/v1/openapi.json")
    assert set(body["resources"]) == {"regions", "departments", "halls", "service_points"}
    for url in body["resources"].values():
        assert client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_openapi_describes_the_organisation_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    paths = set(spec["paths"])
    assert "/api/v1/organizations/departments" in paths
    assert "/api/v1/organizations/departments/{code}" in paths


@pytest.mark.django_db
def test_docs_load_nothing_from_outside(client):
    html = client.get("/api/v1/docs").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any("swagger" in a for a in assets), assets
    assert all(a.startswith("/") for a in assets), assets
    for asset in assets:
        if asset.startswith("/static/"):
            assert client.get(asset).status_code == 200, asset


@pytest.mark.django_db
def test_unknown_api_path_is_the_envelope(client):
    response = client.get("/api/v1/organizations/departments/no-such-code")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
