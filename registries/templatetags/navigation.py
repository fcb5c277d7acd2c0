"""The current menu item: `<a href="{{ url }}"{% nav_current url %}>` in partials/nav.html.

The item is decided once per request from the request path: of the menu's destinations, the
longest URL the path lies under (`/registries/targets/duplicates/` is 疑似重复, not 检查对象; a
plan's page `/plans/7/` is 抽查计划). That item gets `class="current" aria-current="page"`.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Every destination of templates/partials/nav.html, by URL name.
NAV_URL_NAMES = (
    "home",  # the workbench: current on `/` itself only
    "registries:item_list",
    "registries:target_list",
    "registries:inspector_list",
    "registries:expert_list",
    "plans:list",
    "inspections:task_list",
    "inspections:follow_up_list",
    "inspections:correction_list",
    "dashboard:index",
    "credit_risk:warning_list",
    "registries:import_list",
    "registries:duplicate_list",
    "inspections:my_visits",
    "inspections:calendar_years",
    "audit_list",
    "notifications:list",
)
CURRENT = mark_safe(' class="current" aria-current="page"')  # a constant, no user input


def current_nav_url(path: str) -> str | None:
    """The menu destination `path` belongs to: the longest menu URL it starts with (`/`, the
    workbench, only for itself)."""
    best: str | None = None
    for name in NAV_URL_NAMES:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        under = path == url if url == "/" else path.startswith(url)
        if under and (best is None or len(url) > len(best)):
            best = url
    return best


@register.simple_tag(takes_context=True)
def nav_current(context: dict[str, Any], url: str) -> SafeString | str:
    """The attributes marking the current menu item, or nothing."""
    request: HttpRequest | None = context.get("request")
    if request is None or not url:
        return ""
    if not hasattr(request, "_nav_current_url"):
        request._nav_current_url = current_nav_url(request.path)  # type: ignore[attr-defined]
    return CURRENT if request._nav_current_url == url else ""  # type: ignore[attr-defined]
