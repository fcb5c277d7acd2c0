from django.contrib import admin

from credit_risk.models import CurrentTier, IndustryRiskClass, RiskWarning, TierAssessment, TierPolicy


@admin.register(TierPolicy)
class TierPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "is_preset", "warning_percent", "updated_at")
    search_fields = ("name",)


@admin.register(TierAssessment)
class TierAssessmentAdmin(admin.ModelAdmin):
    list_display = ("target", "tier", "source", "assessed_on", "created_by")
    list_filter = ("tier", "source")
    search_fields = ("target__name", "target__credit_code")
    raw_id_fields = ("target",)
    list_select_related = ("target", "created_by")

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False  # history is never rewritten: a new assessment is added instead


@admin.register(CurrentTier)
class CurrentTierAdmin(admin.ModelAdmin):
    list_display = ("target", "tier", "assessed_on")
    list_filter = ("tier",)
    raw_id_fields = ("target", "assessment")

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


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
