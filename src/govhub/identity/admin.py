"""Django admin for accounts: ID numbers and mobiles shown masked (never editable here),
the sign-in history and the other security records read-only, enterprises and agent
authorisations for inspection, lockouts that an administrator can lift. Every change
made here is audited by the admin site (`core.admin_auditing`; passwords never reach the
record), and so is every search for an account by a full ID number."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from govhub.core.admin_audit import admin_role
from govhub.core.audit import audit_log
from govhub.core.crypto import lookup_hash
from govhub.core.masking import mask_id_number
from govhub.core.validators import check_id_number
from govhub.identity.models import (
    AgentAuthorization,
    Enterprise,
    LoginThrottle,
    RealNameCheck,
    SignInEvent,
    SmsChallenge,
    StaffActivation,
    TotpDevice,
    User,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the application writes; the admin only reads them."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class GovhubUserAdmin(UserAdmin):
    list_display = (
        "username",
        "full_name",
        "kind",
        "masked_id_number",
        "masked_mobile",
        "assurance_ceiling",
        "has_totp",
        "is_staff",
        "is_active",
        "last_login",
    )
    list_filter = ("kind", "is_staff", "is_superuser", "is_active")
    search_fields = ("username", "full_name", "email", "mobile")
    readonly_fields = (
        "sub",
        "masked_id_number",
        "masked_mobile",
        "mobile_verified_at",
        "real_name_verified_at",
        "in_person_verified_at",
        "in_person_verified_by",
        "assurance_ceiling",
        "has_totp",
        "last_login",
        "date_joined",
    )
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (
            _("实名信息"),
            {
                "fields": (
                    "kind",
                    "full_name",
                    "sub",
                    "masked_id_number",
                    "real_name_verified_at",
                    "in_person_verified_at",
                    "in_person_verified_by",
                    "assurance_ceiling",
                )
            },
        ),
        (_("联系方式"), {"fields": ("email", "masked_mobile", "mobile_verified_at")}),
        (_("动态口令"), {"fields": ("has_totp",)}),
        (
            _("权限"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("重要日期"), {"fields": ("last_login", "date_joined")}),
    )

    @admin.display(description=_("身份证号码"))
    def masked_id_number(self, obj: User) -> str:
        return obj.masked_id_number

    @admin.display(description=_("手机号码"))
    def masked_mobile(self, obj: User) -> str:
        return obj.masked_mobile

    @admin.display(description=_("最高认证等级"))
    def assurance_ceiling(self, obj: User) -> str:
        return obj.assurance_ceiling

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        devices = TotpDevice.objects.filter(user_id=OuterRef("pk"))
        return super().get_queryset(request).annotate(totp_bound=Exists(devices))

    @admin.display(description=_("已绑定动态口令"), boolean=True)
    def has_totp(self, obj: User) -> bool:
        bound = getattr(obj, "totp_bound", None)
        if bound is None:
            return TotpDevice.objects.filter(user_id=obj.pk).exists()
        return bool(bound)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        """A full ID number finds its account through the keyed hash."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            number = check_id_number(search_term).value
        except ValidationError:
            return results, may_have_duplicates
        by_id = queryset.filter(id_number_hash=lookup_hash(number, purpose="id_number"))
        # An ID number is enough to find someone's account: every such search is recorded.
        audit_log(
            actor=request.user,
            action="identity.user.admin_id_number_search",
            changes={"id_number": mask_id_number(number), "found": by_id.exists()},
            request=request,
            role=admin_role(request.user),
        )
        return results | by_id, may_have_duplicates

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Accounts are deactivated, never deleted: the audit trail refers to them.
        return False


@admin.register(SignInEvent)
class SignInEventAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "user", "identifier", "method", "outcome", "reason", "acr", "ip")
    list_filter = ("outcome", "method", "acr")
    search_fields = ("user__username", "identifier", "ip")
    date_hierarchy = "occurred_at"
    list_select_related = ("user",)


@admin.register(RealNameCheck)
class RealNameCheckAdmin(ReadOnlyAdmin):
    list_display = ("checked_at", "masked_name", "masked_id_number", "outcome", "user", "ip")
    list_filter = ("outcome", "purpose")
    list_select_related = ("user",)


@admin.register(SmsChallenge)
class SmsChallengeAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "masked", "purpose", "delivered", "attempts", "used_at", "ip")
    list_filter = ("purpose", "delivered")
    exclude = ("code_hash", "mobile")
    readonly_fields = ("masked",)

    @admin.display(description=_("手机号码"))
    def masked(self, obj: SmsChallenge) -> str:
        from govhub.core.masking import mask_phone

        return mask_phone(obj.mobile)


@admin.register(TotpDevice)
class TotpDeviceAdmin(ReadOnlyAdmin):
    list_display = ("user", "confirmed_at", "last_used_at")
    exclude = ("secret",)
    list_select_related = ("user",)


@admin.register(StaffActivation)
class StaffActivationAdmin(ReadOnlyAdmin):
    list_display = ("user", "created_at", "expires_at", "used_at", "created_by")
    exclude = ("token_hash",)
    list_select_related = ("user", "created_by")


@admin.register(LoginThrottle)
class LoginThrottleAdmin(ReadOnlyAdmin):
    list_display = ("scope", "label", "failures", "lock_count", "locked_until", "last_failure_at")
    list_filter = ("scope",)
    search_fields = ("label",)
    exclude = ("key_hash",)
    actions = ("unlock",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Needed for the "unlock" action; the form itself shows no editable field.
        return super(ReadOnlyAdmin, self).has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in LoginThrottle._meta.fields if f.name != "key_hash"]

    @admin.action(description=_("解除锁定"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[LoginThrottle]) -> None:
        for row in queryset:
            LoginThrottle.objects.filter(pk=row.pk).update(failures=0, locked_until=None)
            audit_log(
                actor=request.user,
                action="identity.throttle.unlock",
                target=row,
                changes={"scope": row.scope, "label": row.label},
                request=request,
                role=admin_role(request.user),
            )


class AgentAuthorizationInline(admin.TabularInline):
    model = AgentAuthorization
    fk_name = "enterprise"
    extra = 0
    fields = ("agent", "scopes", "valid_from", "expires_at", "revoked_at", "granted_by")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    """Enterprises are registered by their legal representative; the admin may only
    suspend or reactivate one (audited)."""

    list_display = ("uscc", "name", "legal_representative", "status", "registered_at")
    list_filter = ("status",)
    search_fields = ("uscc", "name")
    readonly_fields = ("uscc", "name", "legal_representative", "registered_at")
    inlines = (AgentAuthorizationInline,)
    list_select_related = ("legal_representative",)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AgentAuthorization)
class AgentAuthorizationAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "agent", "scopes", "valid_from", "expires_at", "state")
    list_filter = ("revoked_at",)
    search_fields = ("enterprise__uscc", "enterprise__name", "agent__username")
    list_select_related = ("enterprise", "agent")

    @admin.display(description=_("状态"))
    def state(self, obj: AgentAuthorization) -> str:
        if obj.revoked_at is not None:
            return str(_("已撤销"))
        if obj.is_valid_at(timezone.now()):
            return str(_("有效"))
        return str(_("已过期"))
