from django.contrib import admin

from estatedesk.org.models import (
    ApiToken,
    Building,
    Company,
    Department,
    ExternalParty,
    Membership,
    Occupancy,
    PublicPlace,
    Resident,
    Site,
    Unit,
)


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "company", "work_start", "work_end", "duty_mode", "is_active"]
    list_filter = ["company", "is_active"]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["name", "site", "floors", "sort_order"]
    list_filter = ["site"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["__str__", "site", "floor", "area", "status"]
    list_filter = ["site", "status", "building"]
    search_fields = ["number", "building__name"]
    list_select_related = ["building", "site"]


@admin.register(PublicPlace)
class PublicPlaceAdmin(admin.ModelAdmin):
    list_display = ["name", "site", "building"]
    list_filter = ["site"]


class OccupancyInline(admin.TabularInline):
    model = Occupancy
    extra = 0
    autocomplete_fields = ["unit"]


@admin.register(Resident)
class ResidentAdmin(admin.ModelAdmin):
    list_display = ["name", "site", "phone"]
    list_filter = ["site"]
    search_fields = ["name", "phone"]
    inlines = [OccupancyInline]
    exclude = ["units"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "site"]
    list_filter = ["site", "kind"]


@admin.register(ExternalParty)
class ExternalPartyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "site", "contact_name", "committed_response_hours"]
    list_filter = ["site", "kind"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "site", "role", "department", "is_active"]
    list_filter = ["site", "role", "is_active"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
