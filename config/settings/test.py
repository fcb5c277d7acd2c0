"""Tests: fast hashing, in-memory mail, eager Celery that re-raises (except tests using the real worker)."""

import os
import tempfile
from pathlib import Path

from .base import *
from .base import env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="test-only-not-secret")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Eager, except in the Celery worker the `celery_worker` tests start (it sets this to false).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
# The real-worker tests read task results back through the broker's Redis.
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else None
)
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
LANGUAGE_CODE = "zh-hans"
IMPORT_ASYNC_ROWS = 50

# Tests sign in with force_login and no second factor, except for the administrator
# roles; tests/security switches the full production list back on.
OTP_REQUIRED_ROLES = ("sysadmin", "secadmin", "auditadmin")
# The audit trail refuses TRUNCATE; test databases are emptied with it between transactional tests.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c ssj.allow_truncate=on"

# Nothing is collected into STATIC_ROOT in tests: WhiteNoise finds files on demand.
WHITENOISE_AUTOREFRESH = True
# Audit checkpoints of test runs go to a scratch folder (tests/security points each test at its own).
AUDIT_CHECKPOINT_DIR = env.path(
    "AUDIT_CHECKPOINT_DIR", default=Path(tempfile.gettempdir()) / f"ssj-test-audit-checkpoints-{os.getpid()}"
)
