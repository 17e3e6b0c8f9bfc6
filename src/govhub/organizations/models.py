"""Regions, departments, the service hall and its windows, grassroots service points, staff.

Names are stored in Chinese (the legal name) with an optional English name shown to
readers who chose English; `display_name` picks the one for the active language.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from govhub.core.validators import validate_uscc_on_record
from govhub.organizations.validators import validate_phone

# Regions sit at most five levels deep: /province/city/county/township/village/.
REGION_PATH_MAX_LENGTH = 80
REGION_CODE_LENGTHS = {1: 6, 2: 6, 3: 6, 4: 9, 5: 12}


class BilingualNameMixin(models.Model):
    name = models.CharField(_("名称"), max_length=128)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        language = translation.get_language() or ""
        if language.startswith("en") and self.name_en:
            return self.name_en
        return self.name


class Region(BilingualNameMixin):
    """An administrative division (行政区划): city, county-level, township, village."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("省级")
        CITY = 2, _("市级")
        COUNTY = 3, _("县级")
        TOWNSHIP = 4, _("乡镇级")
        VILLAGE = 5, _("村（社区）级")

    # 6 digits down to county level (GB/T 2260), 9 for townships and 12 for villages
    # (the statistical division codes).
    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("有效"), default=True)
    # Materialised path of codes from the root, e.g. "/230000/230400/230421/": ancestors
    # without queries, descendants with one `path__startswith`. Maintained by save().
    path = models.CharField(
        _("区划路径"), max_length=REGION_PATH_MAX_LENGTH, db_index=True, editable=False
    )

    class Meta:
        verbose_name = _("行政区划")
        verbose_name_plural = pgettext_lazy("plural", "行政区划")
        ordering = ("code",)
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^([0-9]{6}|[0-9]{9}|[0-9]{12})$"),
                name="region_code_format",
            ),
            models.CheckConstraint(
                condition=Q(level__lte=3, code__regex=r"^[0-9]{6}$")
                | Q(level=4, code__regex=r"^[0-9]{9}$")
                | Q(level=5, code__regex=r"^[0-9]{12}$"),
                name="region_code_length_matches_level",
            ),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        old_path = ""
        if self.pk is not None:
            old_path = (
                Region.objects.filter(pk=self.pk).values_list("path", flat=True).first() or ""
            )
        self.path = self._computed_path()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "path"}
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            moved = list(Region.objects.filter(path__startswith=old_path).exclude(pk=self.pk))
            for region in moved:
                region.path = self.path + region.path[len(old_path) :]
            Region.objects.bulk_update(moved, ["path"])

    @property
    def ancestor_codes(self) -> list[str]:
        """Codes from the root down to this region itself (inclusive)."""
        return [code for code in self.path.split("/") if code]

    def covers(self, other: Region) -> bool:
        """True when `other` is this region or lies inside it."""
        return bool(self.path) and other.path.startswith(self.path)

    def _computed_path(self) -> str:
        parent_path = self.parent.path if self.parent is not None else "/"
        return f"{parent_path}{self.code}/"

    def clean(self) -> None:
        super().clean()
        expected = REGION_CODE_LENGTHS.get(self.level)
        if expected is not None and self.code and len(self.code) != expected:
            raise ValidationError(
                {"code": _("该层级的区划代码应为 %(n)s 位数字。") % {"n": expected}}
            )
        if self.parent is not None:
            if self.pk is not None and (
                self.parent.pk == self.pk or f"/{self.code}/" in self.parent.path
            ):
                raise ValidationError({"parent": _("上级区划不能是本区划或其下级区划。")})
            if self.level is not None and self.parent.level >= self.level:
                raise ValidationError({"parent": _("上级区划的层级必须高于本区划。")})


class Department(BilingualNameMixin):
    """A government body that implements service items (实施主体)."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("人民政府")
        GENERAL_OFFICE = "office", _("政府办公室")
        DEPARTMENT = "department", _("政府工作部门")
        AGENCY = "agency", _("直属机构及事业单位")
        VERTICAL = "vertical", _("垂直管理部门")
        SERVICE_CENTRE = "service_centre", _("政务服务中心")

    code = models.SlugField(_("部门代码"), max_length=32, unique=True)
    short_name = models.CharField(_("简称"), max_length=32, blank=True)
    kind = models.CharField(_("机构类型"), max_length=16, choices=Kind.choices)
    uscc = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_uscc_on_record]
    )
    region = models.ForeignKey(
        Region, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="departments"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级机构"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subunits",
    )
    functions = models.TextField(_("主要职能"), blank=True)
    functions_en = models.TextField(_("主要职能（英文）"), blank=True)
    address = models.CharField(_("办公地址"), max_length=200, blank=True)
    office_hours = models.CharField(_("办公时间"), max_length=200, blank=True)
    phone = models.CharField(_("咨询电话"), max_length=32, blank=True, validators=[validate_phone])
    website = models.URLField(_("网站"), blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = pgettext_lazy("plural", "部门")
        ordering = ("sort_order", "code")
        constraints = [
            models.CheckConstraint(
                condition=Q(uscc__regex=r"^[0-9A-HJ-NP-RTUWXY]{18}$"),
                name="department_uscc_format",
            ),
        ]

    @property
    def display_short_name(self) -> str:
        """The short name (简称) for Chinese readers; English readers get the English name,
        since short names exist in Chinese only."""
        language = translation.get_language() or ""
        if language.startswith("en") and self.name_en:
            return self.name_en
        return self.short_name or self.name

    @property
    def display_functions(self) -> str:
        language = translation.get_language() or ""
        if language.startswith("en") and self.functions_en:
            return self.functions_en
        return self.functions


class ServiceHall(BilingualNameMixin):
    """A physical government service hall (政务服务大厅)."""

    code = models.SlugField(_("大厅代码"), max_length=32, unique=True)
    region = models.ForeignKey(
        Region, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="halls"
    )
    operator = models.ForeignKey(
        Department,
        verbose_name=_("管理部门"),
        on_delete=models.PROTECT,
        related_name="halls",
    )
    address = models.CharField(_("地址"), max_length=200)
    office_hours = models.CharField(_("办公时间"), max_length=200)
    phone = models.CharField(_("咨询电话"), max_length=32, blank=True, validators=[validate_phone])
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("政务服务大厅")
        verbose_name_plural = pgettext_lazy("plural", "政务服务大厅")
        ordering = ("code",)


class Window(models.Model):
    """A counter in a hall; a comprehensive window serves several departments (综合窗口)."""

    class Kind(models.TextChoices):
        COMPREHENSIVE = "comprehensive", _("综合受理窗口")
        DEDICATED = "dedicated", _("专业窗口")
        COLLECTION = "collection", _("统一出件窗口")
        HELP = "help", _("帮办代办窗口")

    hall = models.ForeignKey(
        ServiceHall, verbose_name=_("大厅"), on_delete=models.PROTECT, related_name="windows"
    )
    number = models.CharField(_("窗口号"), max_length=16)
    name = models.CharField(_("窗口名称"), max_length=64)
    name_en = models.CharField(_("英文名称"), max_length=128, blank=True)
    kind = models.CharField(_("窗口类型"), max_length=16, choices=Kind.choices)
    departments = models.ManyToManyField(
        Department, verbose_name=_("服务部门"), related_name="windows", blank=True
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("窗口")
        verbose_name_plural = pgettext_lazy("plural", "窗口")
        ordering = ("hall", "sort_order", "number")
        constraints = [
            models.UniqueConstraint(fields=("hall", "number"), name="window_number_unique_in_hall")
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def display_name(self) -> str:
        language = translation.get_language() or ""
        if language.startswith("en") and self.name_en:
            return self.name_en
        return self.name


class ServicePoint(BilingualNameMixin):
    """A grassroots service point: township centre or village/community agency point."""

    class Kind(models.TextChoices):
        TOWNSHIP_CENTRE = "township", _("乡镇（街道）便民服务中心")
        VILLAGE_POINT = "village", _("村（社区）代办点")

    code = models.SlugField(_("服务点代码"), max_length=32, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("所属区划"), on_delete=models.PROTECT, related_name="service_points"
    )
    address = models.CharField(_("地址"), max_length=200)
    office_hours = models.CharField(_("办公时间"), max_length=200)
    phone = models.CharField(_("咨询电话"), max_length=32, blank=True, validators=[validate_phone])
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("基层便民服务点")
        verbose_name_plural = pgettext_lazy("plural", "基层便民服务点")
        ordering = ("code",)


class StaffMember(models.Model):
    """A civil servant or worker with an account, belonging to one department."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账号"),
        on_delete=models.PROTECT,
        related_name="staff_profile",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("所属部门"), on_delete=models.PROTECT, related_name="staff"
    )
    employee_number = models.CharField(_("工号"), max_length=32, unique=True)
    title = models.CharField(_("职务"), max_length=64, blank=True)
    is_active = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = pgettext_lazy("plural", "工作人员")
        ordering = ("department", "employee_number")

    def __str__(self) -> str:
        return f"{self.employee_number} {self.user.get_full_name()}"


class PositionQuerySet(models.QuerySet["Position"]):
    def valid_on(self, day: datetime.date) -> PositionQuerySet:
        """Positions that count on `day`: active, within their dates, held by active staff
        with an active account."""
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=day),
            Q(valid_until__isnull=True) | Q(valid_until__gte=day),
            is_active=True,
            staff__is_active=True,
            staff__user__is_active=True,
        )


class Position(models.Model):
    """A role a staff member holds, scoped to a department and a region (岗位).

    A position held for a region also covers every region inside it. `valid_until` is
    the last day on which the position counts.
    """

    class Role(models.TextChoices):
        WINDOW_CLERK = "window_clerk", _("窗口人员")
        GRASSROOTS_AGENT = "grassroots_agent", _("基层代办员")
        HOTLINE_OPERATOR = "hotline_operator", _("热线坐席")
        REVIEWER = "reviewer", _("审查人员")
        APPROVER = "approver", _("审批人员")
        DEPARTMENT_ADMIN = "department_admin", _("部门管理员")
        SUPERVISOR = "supervisor", _("电子监察人员")
        SYSTEM_ADMIN = "system_admin", _("系统管理员")

    staff = models.ForeignKey(
        StaffMember, verbose_name=_("工作人员"), on_delete=models.CASCADE, related_name="positions"
    )
    role = models.CharField(_("岗位"), max_length=24, choices=Role.choices)
    department = models.ForeignKey(
        Department,
        verbose_name=_("适用部门"),
        on_delete=models.PROTECT,
        related_name="positions",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("适用区划"), on_delete=models.PROTECT, related_name="positions"
    )
    window = models.ForeignKey(
        Window,
        verbose_name=_("窗口"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="positions",
    )
    service_point = models.ForeignKey(
        ServicePoint,
        verbose_name=_("服务点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="positions",
    )
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)

    objects = PositionQuerySet.as_manager()

    class Meta:
        verbose_name = _("岗位授权")
        verbose_name_plural = pgettext_lazy("plural", "岗位授权")
        ordering = ("staff", "role")
        constraints = [
            models.UniqueConstraint(
                fields=("staff", "role", "department", "region"),
                name="position_unique_per_scope",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_until__gte=models.F("valid_from")),
                name="position_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} · {self.get_role_display()} · {self.department}"

    def is_valid_on(self, day: datetime.date) -> bool:
        return (
            self.is_active
            and (self.valid_from is None or self.valid_from <= day)
            and (self.valid_until is None or self.valid_until >= day)
        )

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = _("有效期截止日期不能早于生效日期。")
        if self.role == self.Role.WINDOW_CLERK and self.window_id is None:
            errors["window"] = _("窗口人员岗位必须指定窗口。")
        if self.role != self.Role.WINDOW_CLERK and self.window_id is not None:
            errors["window"] = _("只有窗口人员岗位可以指定窗口。")
        if self.role == self.Role.GRASSROOTS_AGENT and self.service_point_id is None:
            errors["service_point"] = _("基层代办员岗位必须指定服务点。")
        if self.role != self.Role.GRASSROOTS_AGENT and self.service_point_id is not None:
            errors["service_point"] = _("只有基层代办员岗位可以指定服务点。")
        if self.region_id is not None:
            region = self.region
            if self.department_id is not None and not self.department.region.covers(region):
                errors["region"] = _("岗位适用区划必须在部门所属区划范围内。")
            if (
                self.window_id is not None
                and self.window is not None
                and not region.covers(self.window.hall.region)
            ):
                errors.setdefault("window", _("窗口所在大厅不在岗位适用区划内。"))
            if (
                self.service_point_id is not None
                and self.service_point is not None
                and not region.covers(self.service_point.region)
            ):
                errors.setdefault("service_point", _("服务点不在岗位适用区划内。"))
        if errors:
            raise ValidationError(errors)
