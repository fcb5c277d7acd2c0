"""The embedded default: SQLite, Celery eager in-process, debug on. No settings needed."""

from .base import *
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="local-development-only-not-secret")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://")
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# pghistory's request context injects PostgreSQL `set_config` into every statement; on SQLite
# that breaks every POST, so the embedded SQLite default runs without it (no triggers there).
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    MIDDLEWARE = [m for m in MIDDLEWARE if m != "pghistory.middleware.HistoryMiddleware"]
