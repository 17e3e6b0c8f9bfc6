from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from govhub.organizations import selectors


def directory(request: HttpRequest) -> HttpResponse:
    departments = selectors.department_list_public()
    return render(request, "organizations/directory.html", {"departments": departments})
