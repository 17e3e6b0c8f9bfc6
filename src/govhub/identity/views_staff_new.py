"""A department administrator adds a staff member (`organizations.services.staff_create`,
without a password) and hands over the activation link issued at once: the new member sets
their own password and authenticator (`/account/activate/<token>/`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from govhub.core.errors import ApplicationError, Forbidden
from govhub.identity import services
from govhub.identity.forms import IdentityForm
from govhub.identity.session import require_level
from govhub.identity.views_staff import (
    _managed_departments,
    _render,
    _require,
    _staff_label,
    can_manage_staff,
)
from govhub.organizations import services as org_services
from govhub.organizations.models import Department


class StaffNewForm(IdentityForm):
    required_messages = {
        "department": gettext_lazy("请选择所属部门。"),
        "full_name": gettext_lazy("请填写姓名。"),
        "username": gettext_lazy("请填写用户名。"),
        "employee_number": gettext_lazy("请填写工号。"),
    }

    department = forms.ModelChoiceField(
        queryset=Department.objects.none(), label=gettext_lazy("所属部门")
    )
    full_name = forms.CharField(label=gettext_lazy("姓名"), max_length=64)
    username = forms.CharField(
        label=gettext_lazy("用户名"),
        max_length=64,
        help_text=gettext_lazy("登录用，字母、数字和 @ . + - _，例如 hg-mzj-wangli。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    employee_number = forms.CharField(label=gettext_lazy("工号"), max_length=32)
    title = forms.CharField(label=gettext_lazy("职务"), max_length=64, required=False)

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = departments
        if departments.count() == 1:
            field.initial = departments.first()


@never_cache
@require_level("L2")
@require_http_methods(["GET", "POST"])
def staff_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    _require(can_manage_staff(user))
    departments = _managed_departments(user)
    form = StaffNewForm(request.POST or None, departments=departments)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            staff = org_services.staff_create(
                actor=user,
                department=data["department"],
                username=data["username"],
                full_name=data["full_name"],
                employee_number=data["employee_number"],
                title=data["title"],
            )
            token = services.staff_activation_issue(actor=user, staff=staff, request=request)
        except Forbidden as exc:
            raise PermissionDenied from exc
        except ApplicationError as exc:
            form.apply_error(exc)
        else:
            return _render(
                request,
                "activation_issued.html",
                {
                    "staff": staff,
                    "staff_label": _staff_label(staff),
                    "link": request.build_absolute_uri(reverse("identity:activate", args=[token])),
                    "activation_hours": settings.GOVHUB_STAFF_ACTIVATION_HOURS,
                    "created": True,
                },
                section="activations",
            )
    return _render(request, "staff_new.html", {"form": form}, section="activations")
