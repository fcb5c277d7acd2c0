from django.contrib import admin

from plans.models import Adjustment, Plan, PlanVersion, Task


class TaskInline(admin.StackedInline):
    model = Task
    extra = 0
    filter_horizontal = ("cooperating", "items", "scope_tags")


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "year", "status", "version", "published_at")
    list_filter = ("status", "year")
    search_fields = ("title", "owner__name")
    inlines = [TaskInline]


@admin.register(PlanVersion)
class PlanVersionAdmin(admin.ModelAdmin):
    list_display = ("plan", "number", "created_at", "created_by")
    readonly_fields = ("plan", "number", "snapshot", "reason", "created_by", "created_at")


@admin.register(Adjustment)
class AdjustmentAdmin(admin.ModelAdmin):
    list_display = ("plan", "status", "submitted_by", "submitted_at", "decided_at")
    list_filter = ("status",)
