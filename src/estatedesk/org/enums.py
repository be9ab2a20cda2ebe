from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CS_ASSISTANT = "cs_assistant", _("客户助理")
    DISPATCHER = "dispatcher", _("调度员/值班员")
    DEPT_STAFF = "dept_staff", _("部门员工")
    TEAM_LEADER = "team_leader", _("班长")
    DEPT_HEAD = "dept_head", _("部门主管")
    CS_SUPERVISOR = "cs_supervisor", _("客服中心主管")
    SITE_MANAGER = "site_manager", _("管理处经理")
    AREA_MANAGER = "area_manager", _("区域经理")
    DEPUTY_GM = "deputy_gm", _("分管副总经理")
    GM = "gm", _("总经理")
    FINANCE = "finance", _("财务")
    QUALITY = "quality", _("品质部")


class DepartmentKind(models.TextChoices):
    CUSTOMER_SERVICE = "cs", _("客服中心")
    ENGINEERING = "engineering", _("工程维修部")
    SECURITY = "security", _("保安部")
    CLEANING = "cleaning", _("保洁部")
    FINANCE = "finance", _("财务部")
    QUALITY = "quality", _("品质部")
    MANAGEMENT = "management", _("管理处")


class UnitStatus(models.TextChoices):
    NOT_HANDED_OVER = "not_handed_over", _("未交房")
    VACANT = "vacant", _("空置")
    RENOVATING = "renovating", _("装修中")
    OCCUPIED = "occupied", _("已入住")


class Relation(models.TextChoices):
    OWNER = "owner", _("业主")
    TENANT = "tenant", _("租户")
    FAMILY = "family", _("家庭成员")


class ExternalPartyKind(models.TextChoices):
    TELEPHONE = "telephone", _("电话")
    BROADBAND = "broadband", _("宽带")
    WATER_HEATER = "water_heater", _("热水器")
    VIDEO_INTERCOM = "video_intercom", _("可视对讲")
    SECURITY_DOOR = "security_door", _("防盗门")
    DEVELOPER = "developer", _("开发商")
    CONTRACTOR = "contractor", _("施工单位（保修）")
    UTILITY = "utility", _("水电燃气公司")
    OTHER = "other", _("其他")


class DutyModeChoice(models.TextChoices):
    EVENINGS = "evenings", _("工作日 17:30-次日 08:30，节假日 24 小时")
    ROUND_THE_CLOCK = "24h", _("每天 08:30-次日 08:30 24 小时值班")
