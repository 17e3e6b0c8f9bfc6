"""Every write to organisations: keyword-only, typed, one transaction each, permission
checked through `policies`, and audited. A refused call (`Forbidden`) is itself recorded
with outcome "denied" after its transaction has been rolled back."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from typing import Any, ParamSpec, TypeVar

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from govhub.core.audit import audit_denials, audit_log
from govhub.core.errors import Forbidden, InvalidInput
from govhub.core.text import join_list
from govhub.core.validators import check_uscc, normalize_uscc
from govhub.organizations import policies
from govhub.organizations.models import (
    Department,
    Position,
    Region,
    ServicePoint,
    StaffMember,
    Window,
)

P = ParamSpec("P")
R = TypeVar("R")

_TARGET_KEYWORDS = ("position", "staff", "window", "department")
CONTACT_FIELDS = ("address", "office_hours", "phone", "website", "functions", "functions_en")


def _audit_denials(action: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    return audit_denials(action, target_keywords=_TARGET_KEYWORDS)


def _validated(instance: models.Model, *, exclude: Iterable[str] = ()) -> None:
    """Run the model's own validation; its messages become `InvalidInput` fields."""
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=True)
    except ValidationError as exc:
        raise InvalidInput(
            fields={key: [str(m) for m in messages] for key, messages in exc.message_dict.items()}
        ) from exc


def _role(actor: Any) -> str:
    """The capacity an administrator changes the directory in (for the audit record)."""
    if policies.is_system_admin(actor):
        return Position.Role.SYSTEM_ADMIN
    return Position.Role.DEPARTMENT_ADMIN


def _code(obj: Any) -> str | None:
    if obj is None:
        return None
    return str(getattr(obj, "code", None) or getattr(obj, "number", None) or obj.pk)


# --- Staff -------------------------------------------------------------------------------


@_audit_denials("organizations.staff.create")
@transaction.atomic
def staff_create(
    *,
    actor: Any,
    department: Department,
    username: str,
    full_name: str,
    employee_number: str,
    title: str = "",
    email: str = "",
    password: str | None = None,
) -> StaffMember:
    """Create a staff account (kind "staff") and its staff record in `department`.
    Without a password the account cannot sign in until one is set."""
    if not policies.can_manage_department(actor, department):
        raise Forbidden(_("您没有权限为该部门添加工作人员。"))
    if not department.is_active:
        raise InvalidInput(fields={"department": [str(_("该部门已停用。"))]})
    user_model = get_user_model()
    username = username.strip()
    full_name = full_name.strip()
    employee_number = employee_number.strip()
    errors: dict[str, list[str]] = {}
    if not full_name:
        errors["full_name"] = [str(_("请填写姓名。"))]
    if user_model.objects.filter(username__iexact=username).exists():
        errors["username"] = [str(_("该用户名已被使用。"))]
    if StaffMember.objects.filter(employee_number=employee_number).exists():
        errors["employee_number"] = [str(_("该工号已被使用。"))]
    if errors:
        raise InvalidInput(fields=errors)
    user = user_model(username=username, full_name=full_name, email=email.strip(), kind="staff")
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise InvalidInput(fields={"password": [str(m) for m in exc.messages]}) from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    _validated(user)
    user.save()
    staff = StaffMember(
        user=user, department=department, employee_number=employee_number, title=title.strip()
    )
    _validated(staff)
    staff.save()
    audit_log(
        actor=actor,
        role=_role(actor),
        action="organizations.staff.create",
        target=staff,
        changes={
            "username": username,
            "department": department.code,
            "employee_number": employee_number,
            "title": staff.title,
            "password_set": bool(password),
        },
    )
    return staff


@_audit_denials("organizations.staff.deactivate")
@transaction.atomic
def staff_deactivate(*, actor: Any, staff: StaffMember, reason: str = "") -> StaffMember:
    """Take a staff member off duty and lock their account; their positions stop
    counting at once (they are kept for the record). Deactivating twice changes nothing."""
    if not policies.can_manage_department(actor, staff.department):
        raise Forbidden(_("您没有权限停用该部门的工作人员。"))
    if getattr(actor, "pk", None) == staff.user_id:
        raise InvalidInput(_("不能停用自己的账号。"))
    staff = StaffMember.objects.select_for_update().select_related("user").get(pk=staff.pk)
    if not staff.is_active and not staff.user.is_active:
        return staff
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    staff.user.is_active = False
    staff.user.save(update_fields=["is_active"])
    policies.forget_positions(staff.user)
    audit_log(
        actor=actor,
        role=_role(actor),
        action="organizations.staff.deactivate",
        target=staff,
        changes={"is_active": [True, False], "reason": reason.strip()},
    )
    return staff


# --- Positions ---------------------------------------------------------------------------


@_audit_denials("organizations.position.grant")
@transaction.atomic
def position_grant(
    *,
    actor: Any,
    staff: StaffMember,
    role: str,
    department: Department,
    region: Region,
    window: Window | None = None,
    service_point: ServicePoint | None = None,
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
) -> Position:
    """Grant `staff` a role for `department` in `region`. Granting a scope the staff
    member held before (revoked or expired) renews that position instead of adding one."""
    if role not in Position.Role.values:
        raise InvalidInput(fields={"role": [str(_("不是允许的岗位类型。"))]})
    if not policies.can_grant_role(actor, role=role, department=department):
        raise Forbidden(_("您没有权限授予该岗位。"))
    if getattr(actor, "pk", None) == staff.user_id:
        raise Forbidden(_("不能变更自己的岗位授权。"))
    if not staff.is_active:
        raise InvalidInput(fields={"staff": [str(_("该工作人员已停用，不能授予岗位。"))]})
    position = (
        Position.objects.select_for_update()
        .filter(staff=staff, role=role, department=department, region=region)
        .first()
    )
    renewed = position is not None
    if position is None:
        position = Position(staff=staff, role=role, department=department, region=region)
    position.window = window
    position.service_point = service_point
    position.valid_from = valid_from
    position.valid_until = valid_until
    position.is_active = True
    _validated(position)
    position.save()
    policies.forget_positions(staff.user)
    audit_log(
        actor=actor,
        role=_role(actor),
        action="organizations.position.grant",
        target=position,
        changes={
            "staff": staff.employee_number,
            "role": role,
            "department": department.code,
            "region": region.code,
            "window": _code(window),
            "service_point": _code(service_point),
            "valid_from": valid_from.isoformat() if valid_from else None,
            "valid_until": valid_until.isoformat() if valid_until else None,
            "renewed": renewed,
        },
    )
    return position


@_audit_denials("organizations.position.revoke")
@transaction.atomic
def position_revoke(*, actor: Any, position: Position, reason: str = "") -> Position:
    """Withdraw a position (kept, inactive, for the record). Revoking twice changes nothing."""
    if not policies.can_grant_role(actor, role=position.role, department=position.department):
        raise Forbidden(_("您没有权限撤销该岗位。"))
    if getattr(actor, "pk", None) == position.staff.user_id:
        raise Forbidden(_("不能变更自己的岗位授权。"))
    position = Position.objects.select_for_update().get(pk=position.pk)
    if not position.is_active:
        return position
    position.is_active = False
    position.save(update_fields=["is_active"])
    policies.forget_positions(position.staff.user)
    audit_log(
        actor=actor,
        role=_role(actor),
        action="organizations.position.revoke",
        target=position,
        changes={"is_active": [True, False], "reason": reason.strip()},
    )
    return position


# --- Departments -------------------------------------------------------------------------


@_audit_denials("organizations.department.update_contact")
@transaction.atomic
def department_update_contact(
    *,
    actor: Any,
    department: Department,
    address: str | None = None,
    office_hours: str | None = None,
    phone: str | None = None,
    website: str | None = None,
    functions: str | None = None,
    functions_en: str | None = None,
) -> Department:
    """Change the public directory information of a department; only the arguments given
    (not None) change. Nothing changed, nothing recorded."""
    if not policies.can_manage_department(actor, department):
        raise Forbidden(_("您没有权限修改该部门的信息。"))
    department = Department.objects.select_for_update().get(pk=department.pk)
    given = {
        "address": address,
        "office_hours": office_hours,
        "phone": phone,
        "website": website,
        "functions": functions,
        "functions_en": functions_en,
    }
    changes: dict[str, list[str]] = {}
    for name, value in given.items():
        if value is None:
            continue
        value = value.strip()
        old = getattr(department, name)
        if value != old:
            changes[name] = [old, value]
            setattr(department, name, value)
    if not changes:
        return department
    _validated(department)
    department.save(update_fields=list(changes))
    audit_log(
        actor=actor,
        role=_role(actor),
        action="organizations.department.update_contact",
        target=department,
        changes=changes,
    )
    return department


def uscc_validation_errors(
    uscc: str, *, confirm_legacy_uscc: bool, department: Department | None = None
) -> list[str]:
    """What is wrong with `uscc` for `department` (empty when acceptable): the GB 32100
    rules of `core.validators.check_uscc` (a wrong check character only when not
    confirmed as a legacy code) and uniqueness. Shared by the service and the admin."""
    try:
        checked = check_uscc(uscc, allow_legacy_check=confirm_legacy_uscc)
    except ValidationError as exc:
        message = str(exc.messages[0]) if exc.messages else ""
        if getattr(exc, "code", "") == "uscc_check_character":
            message = str(
                _("统一社会信用代码的校验位不正确。如确属早年颁发的历史代码，请确认后再提交。")
            )
        return [message]
    others = Department.objects.filter(uscc=checked.value)
    if department is not None and department.pk is not None:
        others = others.exclude(pk=department.pk)
    if others.exists():
        return [str(_("该统一社会信用代码已被其他部门使用。"))]
    return []


@_audit_denials("organizations.department.set_uscc")
@transaction.atomic
def department_set_uscc(
    *, actor: Any, department: Department, uscc: str, confirm_legacy_uscc: bool = False
) -> Department:
    """Record a department's unified social credit code (system administrators only). A
    code whose check character is wrong is refused unless `confirm_legacy_uscc` is set."""
    if not policies.is_system_admin(actor):
        raise Forbidden(_("只有系统管理员可以修改统一社会信用代码。"))
    uscc = normalize_uscc(uscc)
    department = Department.objects.select_for_update().get(pk=department.pk)
    problems = uscc_validation_errors(
        uscc, confirm_legacy_uscc=confirm_legacy_uscc, department=department
    )
    if problems:
        raise InvalidInput(fields={"uscc": problems})
    old = department.uscc
    if old == uscc:
        return department
    department.uscc = uscc
    department.save(update_fields=["uscc"])
    audit_log(
        actor=actor,
        role=_role(actor),
        action="organizations.department.set_uscc",
        target=department,
        changes={
            "uscc": [old, uscc],
            "legacy_check_confirmed": confirm_legacy_uscc
            and not check_uscc(uscc, allow_legacy_check=True).check_character_valid,
        },
    )
    return department


# --- Windows -----------------------------------------------------------------------------


@_audit_denials("organizations.window.set_departments")
@transaction.atomic
def window_set_departments(
    *, actor: Any, window: Window, departments: Iterable[Department]
) -> Window:
    """Set which departments a hall window serves (administrators of the department
    running the hall, or system administrators)."""
    if not policies.can_manage_hall_windows(actor, hall_operator=window.hall.operator):
        raise Forbidden(_("您没有权限调整该大厅的窗口。"))
    wanted = {department.pk: department for department in departments}
    inactive = sorted(d.display_name for d in wanted.values() if not d.is_active)
    if inactive:
        raise InvalidInput(
            fields={
                "departments": [
                    str(_("以下部门已停用：%(names)s") % {"names": join_list(inactive)})
                ]
            }
        )
    window = Window.objects.select_for_update().get(pk=window.pk)
    before = sorted(window.departments.values_list("code", flat=True))
    after = sorted(d.code for d in wanted.values())
    if before == after:
        return window
    window.departments.set(list(wanted.values()))
    audit_log(
        actor=actor,
        role=_role(actor),
        action="organizations.window.set_departments",
        target=window,
        changes={"departments": {"before": before, "after": after}},
    )
    return window
