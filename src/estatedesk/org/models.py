"""The organisation: company, sites, buildings, units, residents, departments, staff roles."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from estatedesk.org.enums import (
    DepartmentKind,
    DutyModeChoice,
    ExternalPartyKind,
    Relation,
    Role,
    UnitStatus,
)

phone_validator = RegexValidator(r"^[0-9+\-\s]{5,20}$", _("请输入有效的电话号码。"))


class Company(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("代码"), max_length=10, unique=True)

    class Meta:
        verbose_name = _("公司")
        verbose_name_plural = _("公司")

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """A management office / project (管理处/项目); everything is scoped by site."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="sites")
    code = models.CharField(
        _("代码"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2,6}$", _("代码为 2-6 个大写字母。"))],
        help_text=_("用于工单编号前缀，例如 BS。"),
    )
    name = models.CharField(_("名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("服务热线"), max_length=30, blank=True)
    work_start = models.TimeField(_("上班时间"), default=dt.time(8, 30))
    work_end = models.TimeField(_("下班时间"), default=dt.time(17, 30))
    duty_mode = models.CharField(
        _("值班模式"),
        max_length=10,
        choices=DutyModeChoice.choices,
        default=DutyModeChoice.EVENINGS,
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("管理处")
        verbose_name_plural = _("管理处")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(work_start__lt=models.F("work_end")),
                name="site_work_hours_order",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="buildings")
    name = models.CharField(_("楼栋"), max_length=50, help_text=_("例如 3栋"))
    floors = models.PositiveSmallIntegerField(_("层数"), default=1)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["site", "sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="building_site_name")]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="units")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="units", editable=False)
    floor = models.SmallIntegerField(_("楼层"))
    number = models.CharField(_("房号"), max_length=20, help_text=_("例如 1201"))
    area = models.DecimalField(
        _("建筑面积(㎡)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=UnitStatus.choices, default=UnitStatus.OCCUPIED
    )

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        ordering = ["building__sort_order", "building__name", "floor", "number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="unit_building_number")
        ]

    def __str__(self) -> str:
        return self.label

    def save(self, *args: Any, **kwargs: Any) -> None:
        # site is a denormalised copy of building.site so every list can filter by site cheaply.
        self.site_id = self.building.site_id
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        return f"{self.building.name}-{self.number}"


class PublicPlace(models.Model):
    """A public area of the site (lobby, car park, garden...) a request can be about."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="public_places")
    name = models.CharField(_("名称"), max_length=80)
    building = models.ForeignKey(
        Building, on_delete=models.SET_NULL, null=True, blank=True, related_name="public_places"
    )

    class Meta:
        verbose_name = _("公共区域")
        verbose_name_plural = _("公共区域")
        ordering = ["site", "name"]
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="place_site_name")]

    def __str__(self) -> str:
        return self.name


class Resident(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="residents")
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机"), max_length=20, validators=[phone_validator], db_index=True)
    phone2 = models.CharField(
        _("备用电话"), max_length=20, blank=True, validators=[phone_validator]
    )
    id_number = models.CharField(_("证件号码"), max_length=30, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="resident",
    )
    units: models.ManyToManyField[Unit, Occupancy] = models.ManyToManyField(
        Unit, through="Occupancy", related_name="residents"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("住户")
        verbose_name_plural = _("住户")
        ordering = ["site", "name"]

    def __str__(self) -> str:
        return self.name


class Occupancy(models.Model):
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="occupancies")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="occupancies")
    relation = models.CharField(_("关系"), max_length=10, choices=Relation.choices)
    move_in = models.DateField(_("入住日期"), null=True, blank=True)
    move_out = models.DateField(_("迁出日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("住户房屋关系")
        verbose_name_plural = _("住户房屋关系")
        constraints = [
            models.UniqueConstraint(fields=["resident", "unit"], name="occupancy_resident_unit")
        ]

    def __str__(self) -> str:
        return f"{self.resident} {self.get_relation_display()} {self.unit}"


class Department(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="departments")
    kind = models.CharField(_("类别"), max_length=20, choices=DepartmentKind.choices)
    name = models.CharField(_("名称"), max_length=50)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["site", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["site", "kind"], name="department_site_kind")
        ]

    def __str__(self) -> str:
        return self.name


class ExternalParty(models.Model):
    """An outside unit (vendor, utility, developer/contractor) requests are referred to (CV-2)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="external_parties")
    kind = models.CharField(_("类别"), max_length=20, choices=ExternalPartyKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    phone = models.CharField(_("电话"), max_length=30, blank=True)
    committed_response_hours = models.PositiveIntegerField(
        _("承诺响应时间(小时)"), default=24, help_text=_("外部单位承诺上门或答复的时间。")
    )

    class Meta:
        verbose_name = _("外部单位")
        verbose_name_plural = _("外部单位")
        ordering = ["site", "kind", "name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role at one site (and department); a user may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        constraints = [
            models.UniqueConstraint(fields=["user", "site", "role"], name="membership_unique")
        ]
        indexes = [models.Index(fields=["site", "role"], name="membership_site_role")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.site}: {self.get_role_display()}"


class ApiToken(models.Model):
    """A per-user token for integrations; only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=80)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
