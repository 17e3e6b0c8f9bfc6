from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from govhub.identity.models import User


@admin.register(User)
class GovhubUserAdmin(UserAdmin):
    list_display = ("username", "full_name", "kind", "is_staff", "is_active", "last_login")
    list_filter = ("kind", "is_staff", "is_superuser", "is_active")
    search_fields = ("username", "full_name", "email")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (_("政务服务"), {"fields": ("kind", "full_name")}),
    )
