"""Staff pages, mounted at /account/staff/ (namespace "identity_staff").

- Department administrators (and system administrators) list the staff of the
  departments they manage, issue one-time activation links (`staff_activation_issue`)
  and remove a lost authenticator (`totp_remove`).
- Window clerks confirm a person's identity at the counter (`person_confirm_in_person`,
  level L3).

Every page needs a staff session at level L2 (password + TOTP); the role is checked with
`organizations.policies` / `identity.policies`, and the services check it again.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from govhub.core.errors import ApplicationError, Forbidden
from govhub.core.masking import mask_id_number
from govhub.core.validators import check_id_number
from govhub.identity import policies, selectors, services
from govhub.identity.forms import IdentityForm
from govhub.identity.models import StaffActivation, User
from govhub.identity.session import require_level
from govhub.identity.views_common import level_label
from govhub.organizations import policies as org_policies
from govhub.organizations import selectors as org_selectors
from govhub.organizations.models import Department, Position, StaffMember

STAFF_PAGE_SIZE = 30
ADMIN_ROLES = frozenset({Position.Role.DEPARTMENT_ADMIN, Position.Role.SYSTEM_ADMIN})


# --- Who may use which page -------------------------------------------------------------------


def can_manage_staff(user: Any) -> bool:
    """Department administrators and system administrators (of any department)."""
    return bool(org_policies.staff_roles(user) & ADMIN_ROLES)


def can_confirm_in_person(user: Any) -> bool:
    return policies.can_confirm_in_person(user)


def staff_tools(user: Any) -> list[dict[str, str]]:
    """The staff pages `user` may open, as {"label", "url", "section"} (for menus); empty
    for everyone else."""
    tools: list[dict[str, str]] = []
    if can_manage_staff(user):
        tools.append(
            {
                "label": _("工作人员账号激活"),
                "url": reverse("identity_staff:activations"),
                "section": "activations",
            }
        )
    if can_confirm_in_person(user):
        tools.append(
            {
                "label": _("现场身份核验"),
                "url": reverse("identity_staff:confirm_in_person"),
                "section": "confirm",
            }
        )
    return tools


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], *, section: str = ""
) -> HttpResponse:
    """Render a staff page with the tabs of the staff pages the user may open."""
    context.update(tools=staff_tools(request.user), staff_section=section)
    return render(request, f"identity_staff/{template}", context)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


# --- Staff of the departments one manages ----------------------------------------------------


def _managed_departments(user: Any) -> QuerySet[Department]:
    """Departments whose staff `user` manages: all for a system administrator, else those
    they are department administrator of (`org_policies.can_manage_department`)."""
    positions = org_policies.valid_positions(user)
    if any(p.role == Position.Role.SYSTEM_ADMIN for p in positions):
        departments = Department.objects.all()
    else:
        departments = Department.objects.filter(
            pk__in={p.department_id for p in positions if p.role == Position.Role.DEPARTMENT_ADMIN}
        )
    return departments.select_related("region").order_by("region__path", "sort_order", "code")


def _managed_staff(user: Any, *, departments: QuerySet[Department]) -> QuerySet[StaffMember]:
    """The staff of `departments` that `user` may see, with their account, authenticator
    and the expiry of an activation link that is still open."""
    open_link = (
        StaffActivation.objects.filter(
            user_id=OuterRef("user_id"), used_at__isnull=True, expires_at__gt=timezone.now()
        )
        .order_by("-expires_at")
        .values("expires_at")[:1]
    )
    return (
        org_selectors.staff_list_for(user=user)
        .filter(department__in=departments)
        .select_related("user__totp_device")
        .annotate(open_link_until=Subquery(open_link))
    )


def _is_activated(account: Any) -> bool:
    """A usable password and a confirmed authenticator."""
    device = getattr(account, "totp_device", None)
    return bool(account.has_usable_password() and device is not None and device.confirmed_at)


def _has_totp(account: Any) -> bool:
    # A missing reverse one-to-one raises RelatedObjectDoesNotExist, an AttributeError.
    return getattr(account, "totp_device", None) is not None


class StaffFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("姓名、用户名或工号"), required=False, max_length=64, strip=True
    )
    department = forms.ChoiceField(label=gettext_lazy("部门"), required=False)

    def __init__(self, *args: Any, departments: list[Department], **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        field = self.fields["department"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("全部部门")), *((d.code, d.display_name) for d in departments)]


def _rows(user: Any, page: Page[StaffMember]) -> list[dict[str, Any]]:
    rows = []
    for staff in page.object_list:
        account = staff.user
        is_self = account.pk == user.pk
        manages = org_policies.can_manage_department(user, staff.department)
        usable = staff.is_active and account.is_active
        rows.append(
            {
                "staff": staff,
                "account": account,
                "is_self": is_self,
                "activated": _is_activated(account),
                "has_usable_password": account.has_usable_password(),
                "has_totp": _has_totp(account),
                "roles": [p.get_role_display() for p in getattr(staff, "current_positions", [])],
                # Actions on one's own account are not offered here (an administrator
                # changes their own password and authenticator on their account pages).
                "can_issue": manages and usable and not is_self,
                # Mirrors identity.policies.can_remove_totp for a staff record.
                "can_remove_totp": manages and not is_self and _has_totp(account),
            }
        )
    return rows


@never_cache
@require_level("L2")
@require_GET
def activations(request: HttpRequest) -> HttpResponse:
    """The staff of the departments the administrator manages, with their activation."""
    user: Any = request.user
    _require(can_manage_staff(user))
    departments = list(_managed_departments(user))
    form = StaffFilterForm(request.GET or None, departments=departments)
    chosen = [d.pk for d in departments]
    query = code = ""
    if form.is_valid():
        code = form.cleaned_data["department"]
        if code:
            chosen = [d.pk for d in departments if d.code == code]
        query = form.cleaned_data["q"]
    staff = _managed_staff(user, departments=Department.objects.filter(pk__in=chosen))
    if query:
        staff = staff.filter(
            Q(user__full_name__icontains=query)
            | Q(user__username__icontains=query)
            | Q(employee_number__icontains=query)
        )
    page = Paginator(staff, STAFF_PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {k: v for k, v in (("q", query), ("department", code)) if v}
    return _render(
        request,
        "activations.html",
        {
            "form": form,
            "page_obj": page,
            "rows": _rows(user, page),
            "page_query": urlencode(filters),
            "filtered": bool(filters),
            "activation_hours": settings.GOVHUB_STAFF_ACTIVATION_HOURS,
        },
        section="activations",
    )


def _staff_or_404(pk: int) -> StaffMember:
    staff = (
        StaffMember.objects.select_related("user", "department", "user__totp_device")
        .filter(pk=pk)
        .first()
    )
    if staff is None:
        raise Http404
    return staff


def _staff_label(staff: StaffMember) -> str:
    return _("%(name)s（%(username)s，工号 %(number)s）") % {
        "name": staff.user.get_full_name(),
        "username": staff.user.username,
        "number": staff.employee_number,
    }


@never_cache
@require_level("L2")
@require_POST
def activation_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue a new activation link and show it, this once: the token is not stored (only
    its hash), so the page cannot be shown again; issuing again voids this link."""
    user: Any = request.user
    _require(can_manage_staff(user))
    staff = _staff_or_404(pk)
    if staff.user_id == user.pk:
        raise PermissionDenied
    try:
        token = services.staff_activation_issue(actor=user, staff=staff, request=request)
    except Forbidden as exc:
        raise PermissionDenied from exc
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("identity_staff:activations")
    link = request.build_absolute_uri(reverse("identity:activate", args=[token]))
    return _render(
        request,
        "activation_issued.html",
        {
            "staff": staff,
            "staff_label": _staff_label(staff),
            "link": link,
            "activation_hours": settings.GOVHUB_STAFF_ACTIVATION_HOURS,
        },
        section="activations",
    )


@never_cache
@require_level("L2")
@require_http_methods(["GET", "POST"])
def totp_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a staff member's authenticator (a lost phone), after a confirmation."""
    user: Any = request.user
    _require(can_manage_staff(user))
    staff = _staff_or_404(pk)
    had_totp = _has_totp(staff.user)
    if request.method == "POST":
        # The service checks the policy, and audits a refusal.
        try:
            services.totp_remove(actor=user, user=staff.user, request=request)
        except Forbidden as exc:
            raise PermissionDenied from exc
    elif not policies.can_remove_totp(user, staff.user):
        raise PermissionDenied
    if not had_totp:
        messages.info(request, _("%(staff)s 没有绑定验证器。") % {"staff": _staff_label(staff)})
        return redirect("identity_staff:activations")
    if request.method == "POST":
        messages.success(
            request,
            _("已移除 %(staff)s 的验证器。请为其生成新的激活链接，重新设置密码并绑定验证器。")
            % {"staff": _staff_label(staff)},
        )
        return redirect("identity_staff:activations")
    return _render(
        request,
        "totp_remove.html",
        {"staff": staff, "staff_label": _staff_label(staff)},
        section="activations",
    )


# --- Confirmation in person (window clerks) ---------------------------------------------------


class IdNumberForm(IdentityForm):
    required_messages = {"id_number": gettext_lazy("请输入办事人出示的居民身份证号码。")}

    id_number = forms.CharField(
        label=gettext_lazy("居民身份证号码"),
        max_length=32,
        help_text=gettext_lazy("请核对办事人出示的居民身份证原件，输入18位号码。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "class": "input--id", "size": 24}
        ),
    )

    def clean_id_number(self) -> str:
        return check_id_number(self.cleaned_data["id_number"]).value


class ConfirmInPersonForm(IdNumberForm):
    required_messages = {
        **IdNumberForm.required_messages,
        "checked": gettext_lazy("请先核验本人及其居民身份证原件，并勾选确认。"),
    }

    checked = forms.BooleanField(label=gettext_lazy("已核验本人及其居民身份证原件"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "confirm_%s")  # the look-up form is on the same page
        super().__init__(*args, **kwargs)
        self.fields["id_number"].widget = forms.HiddenInput()


def _person_by_id_number(request: HttpRequest, id_number: str) -> User | None:
    """The person account registered with this (valid, normalised) ID number; the
    look-up is recorded."""
    return selectors.person_for_counter(actor=request.user, id_number=id_number, request=request)


def _refusal(account: User | None) -> str:
    """Why `account` cannot be confirmed now; "" when it can."""
    if account is None:
        return _(
            "没有使用该身份证号码注册的个人账号。请核对号码；如果办事人尚未注册，请其先在网上"
            "注册并完成实名认证。"
        )
    if not account.is_active:
        return _("该账号已停用，不能进行现场核验。")
    if not account.is_real_name_verified:
        return _("该账号尚未完成实名认证，不能进行现场核验。请办事人先登录完成实名认证。")
    if account.in_person_verified_at is not None:
        return _("该账号已于 %(date)s 完成现场核验，无需重复核验。") % {
            "date": timezone.localtime(account.in_person_verified_at).strftime("%Y-%m-%d %H:%M")
        }
    return ""


def _account_context(account: User) -> dict[str, Any]:
    ceiling = account.assurance_ceiling
    return {
        "name": account.get_full_name(),
        "masked_id_number": account.masked_id_number,
        "masked_mobile": account.masked_mobile,
        "real_name_verified": account.is_real_name_verified,
        "real_name_verified_at": account.real_name_verified_at,
        "in_person_verified_at": account.in_person_verified_at,
        "ceiling_label": level_label(ceiling),
    }


def _lookup(
    request: HttpRequest, number: str, confirm_form: ConfirmInPersonForm | None
) -> tuple[User | None, dict[str, Any]]:
    """The account found for `number` (None when it cannot be confirmed now), and the
    page's context: the account, why it cannot be confirmed, the confirmation form."""
    account = _person_by_id_number(request, number)
    refusal = _refusal(account)
    if not refusal and confirm_form is None:
        confirm_form = ConfirmInPersonForm(initial={"id_number": number})
    context = {
        "searched": True,
        "account": _account_context(account) if account is not None else None,
        "refusal": refusal,
        "confirm_form": None if refusal else confirm_form,
    }
    return (None if refusal else account), context


def _render_confirm(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    return _render(request, "confirm_in_person.html", context, section="confirm")


@never_cache
@require_level("L2")
@sensitive_post_parameters("id_number")
@require_http_methods(["GET", "POST"])
def confirm_in_person(request: HttpRequest) -> HttpResponse:
    """Step 1 ("lookup"): the clerk types the ID number the person presents and sees the
    account. Step 2 ("confirm"): the clerk ticks that they checked the person and the
    original ID card, and confirms (`person_confirm_in_person`)."""
    user: Any = request.user
    _require(can_confirm_in_person(user))
    posted = request.POST if request.method == "POST" else None
    if posted is None or posted.get("action") != "confirm":
        form = IdNumberForm(posted)
        context: dict[str, Any] = {"form": form}
        if form.is_valid():
            context.update(_lookup(request, form.cleaned_data["id_number"], None)[1])
        return _render_confirm(request, context)

    confirm_form = ConfirmInPersonForm(posted)
    if not confirm_form.is_valid() and "id_number" in confirm_form.errors:
        # The hidden number did not come back intact: ask for it again.
        form = IdNumberForm(posted)
        form.is_valid()
        return _render_confirm(request, {"form": form})
    number = confirm_form.cleaned_data["id_number"]
    account, found = _lookup(request, number, confirm_form)
    context = {"form": IdNumberForm(initial={"id_number": number}), **found}
    if account is not None and confirm_form.is_valid():
        try:
            services.person_confirm_in_person(actor=user, user=account, request=request)
        except ApplicationError as exc:
            context.update(refusal=str(exc.message), confirm_form=None)
        else:
            messages.success(
                request,
                _(
                    "已完成现场核验：%(name)s（%(id_number)s）。该账号现在可以办理需要三级认证的"
                    "业务。"
                )
                % {"name": account.get_full_name(), "id_number": mask_id_number(number)},
            )
            return redirect("identity_staff:confirm_in_person")
    return _render_confirm(request, context)


@never_cache
@require_level("L2")
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The staff pages the signed-in user may use."""
    tools = staff_tools(request.user)
    _require(bool(tools))
    if len(tools) == 1:
        return redirect(tools[0]["url"])
    return _render(request, "index.html", {})
