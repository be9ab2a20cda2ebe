"""Admin: escalation chains and playbooks are edited here per site (open the company default and
"save as new" with a site chosen: the levels or steps are copied); cases and their records are
read-only - they change only through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from estatedesk.emergencies.models import (
    EmergencyCase,
    EscalationChain,
    EscalationLevel,
    Instruction,
    Page,
    PageRecipient,
    Playbook,
    PlaybookStep,
    Responder,
    StepRecord,
)


class LevelInline(admin.TabularInline):
    model = EscalationLevel
    extra = 0
    fields = ["position", "role", "label", "timeout_minutes"]


@admin.register(EscalationChain)
class EscalationChainAdmin(admin.ModelAdmin):
    list_display = ["name", "site", "is_active"]
    list_filter = ["is_active"]
    inlines = [LevelInline]
    save_as = True


class StepInline(admin.TabularInline):
    model = PlaybookStep
    extra = 0
    fields = ["position", "branch", "text", "detail", "records_contact", "chooses_branch"]


@admin.register(Playbook)
class PlaybookAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "site", "procedure", "rule", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "procedure"]
    inlines = [StepInline]
    save_as = True


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PageInline(ReadOnlyInline):
    model = Page
    fields = ["level", "label", "paged_at", "due_at", "outcome", "acknowledged_at", "ack_via"]


class StepRecordInline(ReadOnlyInline):
    model = StepRecord
    fields = ["position", "branch", "text", "done_at", "done_by", "note"]


class ResponderInline(ReadOnlyInline):
    model = Responder
    fields = ["user", "duty", "status", "notified_at", "arrived_at", "reported_at", "report"]


class InstructionInline(ReadOnlyInline):
    model = Instruction
    fields = ["ticket", "given_by_name", "text", "owner", "due_at"]


@admin.register(EmergencyCase)
class EmergencyCaseAdmin(admin.ModelAdmin):
    list_display = ["ticket", "site", "state", "chain_state", "opened_by", "opened_at"]
    list_filter = ["state", "chain_state", "site"]
    search_fields = ["ticket__number"]
    inlines = [PageInline, StepRecordInline, ResponderInline, InstructionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PageRecipient)
class PageRecipientAdmin(admin.ModelAdmin):
    list_display = ["page", "user", "phone", "source"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
