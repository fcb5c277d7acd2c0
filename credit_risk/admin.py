"""Read-only: tiers and policies are written only through `credit_risk.services`, which checks the
writer and audits the change; the admin site would do neither."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from credit_risk.models import CurrentTier, IndustryRiskClass, RiskWarning, TierAssessment, TierPolicy


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TierPolicy)
class TierPolicyAdmin(ReadOnlyAdmin):
    list_display = ("name", "is_preset", "warning_percent", "updated_at")
    search_fields = ("name",)


@admin.register(TierAssessment)
class TierAssessmentAdmin(ReadOnlyAdmin):
    list_display = ("target", "tier", "source", "assessed_on", "created_by")
    list_filter = ("tier", "source")
    search_fields = ("target__name", "target__credit_code")
    raw_id_fields = ("target",)
    list_select_related = ("target", "created_by")


@admin.register(CurrentTier)
class CurrentTierAdmin(ReadOnlyAdmin):
    list_display = ("target", "tier", "assessed_on")
    list_filter = ("tier",)
    raw_id_fields = ("target", "assessment")


@admin.register(IndustryRiskClass)
class IndustryRiskClassAdmin(admin.ModelAdmin):
    list_display = ("category", "risk_class", "updated_at")
    list_filter = ("risk_class",)


@admin.register(RiskWarning)
class RiskWarningAdmin(admin.ModelAdmin):
    list_display = ("target", "kind", "listed_on", "removed_on", "source")
    list_filter = ("kind",)
    raw_id_fields = ("target",)
    search_fields = ("target__name", "target__credit_code")
