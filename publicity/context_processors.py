"""The site identity of the footer (主办单位, 网站标识码, ICP 备案号, 公安机关备案号), from settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site_identity(request: HttpRequest) -> dict[str, Any]:
    return {
        "site_identity": {
            "sponsor": settings.SITE_SPONSOR,
            "site_code": settings.SITE_CODE,
            "icp": settings.SITE_ICP,
            "psb": settings.SITE_PSB,
            "contact": settings.SITE_CONTACT,
        }
    }
