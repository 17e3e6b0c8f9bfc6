from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from govhub.organizations import selectors

router = Router(tags=["organizations"])


class DepartmentOut(Schema):
    code: str
    name: str
    uscc: str


@router.get("/departments", response=list[DepartmentOut], summary="Departments")
def department_list(request: HttpRequest) -> list[DepartmentOut]:
    return [
        DepartmentOut(code=d.code, name=d.display_name, uscc=d.uscc)
        for d in selectors.department_list_public()
    ]
