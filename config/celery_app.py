"""The Celery application: configuration comes from Django settings (CELERY_* names)."""

import os
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("shuangsuiji")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="config.ping_database", time_limit=30, soft_time_limit=20)
def ping_database(username: str = "") -> dict[str, Any]:
    """Health check: which database the worker talks to and whether a user is visible there.

    Read-only and idempotent; the tests use it to prove a real worker shares their database.
    """
    from django.contrib.auth import get_user_model
    from django.db import connection

    return {
        "database": connection.settings_dict["NAME"],
        "user_exists": bool(username) and get_user_model().objects.filter(username=username).exists(),
    }
