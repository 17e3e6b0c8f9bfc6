"""Auditing the Django admin: `AuditedAdminSite` puts `AdminAuditMixin` in front of every
ModelAdmin registered with it (the project's and third-party ones alike), so every add,
change and delete made in the admin, of inline rows too, and every bulk action, appends
an audit record: `<app>.<model>.admin_add | admin_change | admin_delete | admin_action`,
with the changed fields (secrets redacted, see `core.audit_redact`), the actor, the role
they used the admin in, the source address and the request id.

Loaded with the app registry (the project's admin site derives from `AuditedAdminSite`),
so nothing here imports models at import time.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.options import ActionLocation
from django.db import models, router, transaction
from django.db.models import QuerySet
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponseRedirect

_FORM = "_govhub_audit_form"


def admin_action_code(obj_or_model: Any, verb: str) -> str:
    """`<app>.<model>.<verb>`, the action code of an admin record."""
    opts = obj_or_model._meta
    return f"{opts.app_label}.{opts.model_name}.{verb}"[:64]


def admin_role(user: Any) -> str:
    """The capacity in which someone uses the admin."""
    return "superuser" if getattr(user, "is_superuser", False) else "admin"


def _record(request: HttpRequest, obj: models.Model, verb: str, changes: dict[str, Any]) -> None:
    from govhub.core.audit import audit_log
    from govhub.core.audit_redact import safe_label

    audit_log(
        actor=request.user,
        action=admin_action_code(obj, verb),
        target=obj,
        changes=changes,
        request=request,
        role=admin_role(request.user),
        object_label=safe_label(obj),
    )


def _form_changes(form: BaseForm) -> dict[str, Any]:
    from govhub.core.audit_redact import form_changes

    return form_changes(form)


def _snapshot(obj: models.Model) -> dict[str, Any]:
    from govhub.core.audit_redact import snapshot

    return snapshot(obj)


def _last_event_id() -> int:
    from django.db.models import Max

    from govhub.core.models import AuditEvent

    return int(AuditEvent.objects.aggregate(last=Max("pk"))["last"] or 0)


class AdminAuditMixin:
    """Audits what a ModelAdmin changes. `AuditedAdminSite.register` makes it the first
    base of every registered admin, so its hooks run whatever the admin overrides:

    - add and change (also the "change password" page, list_editable saves): recorded in
      `log_addition` / `log_change`, which Django calls once the object and its inlines
      are saved, with the fields the form changed (`construct_change_message` keeps the
      form for them);
    - delete, single or "delete selected": recorded in `delete_model` / `delete_queryset`
      just before the rows go, with a snapshot of the row, in one transaction with the
      deletion;
    - inline rows: one record per row added, changed or deleted (`save_formset`);
    - other bulk actions: when an action has done its work (Django redirects back) and
      wrote no audit record of its own, one `admin_action` record per selected object.

    Records are written in the admin's own transaction. Django's `LogEntry` is kept too.
    """

    model: Any

    def construct_change_message(
        self, request: HttpRequest, form: BaseForm, formsets: Any, add: bool = False
    ) -> Any:
        setattr(request, _FORM, form)
        return super().construct_change_message(  # type: ignore[misc]
            request, form, formsets, add
        )

    def _form_changes(self, request: HttpRequest, message: Any) -> dict[str, Any]:
        form = getattr(request, _FORM, None)
        if form is not None:
            delattr(request, _FORM)
            return _form_changes(form)
        # A screen that logs without a form (none of Django's own): its change message.
        return {"message": json.loads(json.dumps(message, default=str))} if message else {}

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        entry = super().log_addition(request, obj, message)  # type: ignore[misc]
        _record(request, obj, "admin_add", self._form_changes(request, message))
        return entry

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        entry = super().log_change(request, obj, message)  # type: ignore[misc]
        _record(request, obj, "admin_change", self._form_changes(request, message))
        return entry

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic(using=router.db_for_write(type(obj))):
            _record(request, obj, "admin_delete", _snapshot(obj))
            super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic(using=router.db_for_write(queryset.model)):
            for obj in queryset:
                _record(request, obj, "admin_delete", _snapshot(obj))
            super().delete_queryset(request, queryset)  # type: ignore[misc]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # Rows deleted lose their primary key: keep a copy (and its snapshot) first.
        doomed = {
            id(f.instance): (copy.copy(f.instance), _snapshot(f.instance))
            for f in getattr(formset, "deleted_forms", [])
            if f.instance.pk is not None
        }
        super().save_formset(request, form, formset, change)  # type: ignore[misc]
        forms_by_instance = {id(f.instance): f for f in formset.forms}
        for obj in getattr(formset, "deleted_objects", None) or []:
            kept, values = doomed.get(id(obj), (None, {}))
            if kept is not None:
                _record(request, kept, "admin_delete", values)
        for verb, objs in (
            ("admin_add", getattr(formset, "new_objects", None) or []),
            ("admin_change", [o for o, _fields in getattr(formset, "changed_objects", None) or []]),
        ):
            for obj in objs:
                inline_form = forms_by_instance.get(id(obj))
                changes = _form_changes(inline_form) if inline_form is not None else {}
                _record(request, obj, verb, changes)

    def response_action(
        self, request: HttpRequest, queryset: QuerySet[Any], *args: Any, **kwargs: Any
    ) -> Any:
        location = kwargs.get("action_location", args[0] if args else ActionLocation.CHANGE_LIST)
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if location == ActionLocation.CHANGE_LIST and request.POST.get("select_across") == "1":
            targets = list(queryset)
        else:
            targets = list(self.model._default_manager.filter(pk__in=selected)) if selected else []
        with transaction.atomic(using=router.db_for_write(self.model)):
            since = _last_event_id()
            response = super().response_action(  # type: ignore[misc]
                request, queryset, *args, **kwargs
            )
            # Done (Django goes back to the list) and silent about it: record it here.
            # A confirmation page (delete_selected, a form asking for a reason) is a 200.
            if (
                isinstance(response, HttpResponseRedirect)
                and targets
                and not _recorded_since(since, request.user)
            ):
                name = _posted_action(request, location)
                for obj in targets:  # fetched before the action, which may have removed them
                    _record(request, obj, "admin_action", {"action": name})
        return response


def _posted_action(request: HttpRequest, location: Any) -> str:
    prefix = "" if location == ActionLocation.CHANGE_LIST else f"{location.value}-"
    names = request.POST.getlist(f"{prefix}action") or request.POST.getlist("action")
    try:
        index = int(request.POST.get("index", 0))
    except ValueError:
        index = 0
    return names[index] if 0 <= index < len(names) else (names[0] if names else "")


def _recorded_since(last_id: int, user: Any) -> bool:
    from govhub.core.models import AuditEvent

    events = AuditEvent.objects.filter(pk__gt=last_id)
    if getattr(user, "is_authenticated", False):
        events = events.filter(actor_id=user.pk)
    return events.exists()


def audited_admin_class(admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """`admin_class` with `AdminAuditMixin` as its first base. A class that already has it
    (a re-registration) is kept: a second copy could not come first anyway, and the test
    that walks the registry says if its hooks are overridden in front of the mixin."""
    if issubclass(admin_class, AdminAuditMixin):
        return admin_class
    return type(
        admin_class.__name__,
        (AdminAuditMixin, admin_class),
        {
            "__module__": admin_class.__module__,
            "__qualname__": admin_class.__qualname__,
            "__doc__": admin_class.__doc__,
        },
    )


class AuditedAdminSite(admin.AdminSite):
    """An admin site whose every registered ModelAdmin is audited (`AdminAuditMixin`)."""

    def register(self, model_or_iterable: Any, admin_class: Any = None, **options: Any) -> None:
        admin_class = admin_class or admin.ModelAdmin
        if options:  # Django would subclass after us; do it first so the mixin stays first
            admin_class = type(
                admin_class.__name__, (admin_class,), {"__module__": __name__, **options}
            )
        super().register(model_or_iterable, audited_admin_class(admin_class))


class AuditedAdmin(admin.ModelAdmin):
    """A plain ModelAdmin, kept for the admins that name it: auditing is done by the site
    (`AuditedAdminSite`), for every registered admin, whatever its base."""
