"""Settings shared by every environment.

Values come from the environment (django-environ). The embedded default, with no
environment at all, is `config.settings.local`: the private PostgreSQL that `scripts/run` and
`scripts/test` start (`scripts/private_postgres.py`), and eager Celery.
"""

from pathlib import Path
from urllib.parse import quote

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_htmx",
    "import_export",
    "pgtrigger",
    "pghistory",
    "rules",
    "registries",
    "credit_risk",
    "plans",
    "inspections",
    "publicity",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    # Security (registries/middleware.py): forced password change, mandatory second factor,
    # no caching of authenticated pages. Axes last, as its documentation asks.
    "registries.middleware.SecondFactorRequiredMiddleware",
    "registries.middleware.PasswordChangeRequiredMiddleware",
    "registries.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "publicity.context_processors.site_identity",
            ],
        },
    },
]


def _private_postgres_url() -> str:
    """The private server of the checkout (scripts/private_postgres.py), on its Unix socket.

    The socket lies in `.pgdata/` unless that path is too long for a socket; the running
    server's postmaster.pid says where (its fifth line).
    """
    pid_file = BASE_DIR / ".pgdata" / "postmaster.pid"
    lines = pid_file.read_text().splitlines() if pid_file.exists() else []
    socket_dir = lines[4] if len(lines) > 4 and lines[4] else str(BASE_DIR / ".pgdata")
    return f"postgres://postgres@/ssj?host={quote(socket_dir)}"


# PostgreSQL only. Production requires DATABASE_URL (config/settings/production.py).
DATABASES = {
    "default": env.db("DATABASE_URL", default=_private_postgres_url()),
}
# Two roles (README, "Database roles"): the application connects as DATABASE_URL's role, which
# can neither alter tables, disable triggers, truncate, nor change results and the audit trail;
# migrations run as the owner of the tables, DATABASE_OWNER_URL. The migrate service of
# docker-compose.yml sets DJANGO_DATABASE_AS_OWNER=true (web, worker and beat never see the
# owner's password). With DATABASE_OWNER_URL set, the alias "owner" also reaches it
# (`manage.py purge_audit --database owner`).
if _owner_url := env.str("DATABASE_OWNER_URL", default=""):
    DATABASES["owner"] = env.db_url_config(_owner_url)
    if env.bool("DJANGO_DATABASE_AS_OWNER", default=False):
        DATABASES["default"] = env.db_url_config(_owner_url)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "registries.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Axes first: a locked-out username or address never reaches the password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # The named rules of registries/access.py: `user.has_perm("plans.edit_plan", plan)`. Before the
    # model backend, whose permission tables a granted rule then need not read.
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Identity (GB/T 22239-2019 level 3 身份鉴别): see registries/validators.py.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "registries.validators.CharacterClassValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "registries.validators.NotUsernameValidator"},
    {"NAME": "registries.validators.PasswordHistoryValidator", "OPTIONS": {"count": 5}},
]
PASSWORD_MAX_AGE_DAYS = env.int("PASSWORD_MAX_AGE_DAYS", default=90)
# Accounts without a login for this long are disabled by `manage.py disable_inactive_users`.
ACCOUNT_INACTIVE_DAYS = env.int("ACCOUNT_INACTIVE_DAYS", default=90)
# Roles that must pass a TOTP second factor before any page.
OTP_REQUIRED_ROLES: tuple[str, ...] = ("sysadmin", "secadmin", "auditadmin", "office")
OTP_TOTP_ISSUER = "双随机、一公开监管平台"

# Lockout: 5 failures lock the username and the address for 30 minutes (django-axes).
AXES_VERBOSE = False  # no banner on every manage.py command
AXES_ENABLED = True
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5  # hours
# Per user AND address: failures from one address lock that username there, never the whole
# address (a bureau behind one NAT address) nor the username everywhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The client's address (django-ipware): directly connected here; production reads the proxy's header.
AXES_IPWARE_PROXY_COUNT = 0
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Audit trail: kept at least this long; `purge_audit` refuses younger rows.
AUDIT_RETENTION_MONTHS = 6
# The audit chain's HMAC key: held by the application, never by the database (production.py
# requires it). Changing it makes every row written since the change unverifiable: keep it
# with DJANGO_SECRET_KEY, separately from the backups.
AUDIT_HMAC_KEY = env.str("AUDIT_HMAC_KEY", default="dev-only-audit-hmac-key-not-secret")
# Signed checkpoints of the chain (append-only JSON lines), outside the database.
AUDIT_CHECKPOINT_DIR = env.path("AUDIT_CHECKPOINT_DIR", default=BASE_DIR / "audit-checkpoints")
# Mailboxes outside the system that receive every checkpoint, besides the audit administrators.
AUDIT_CHECKPOINT_RECIPIENTS: list[str] = env.list("AUDIT_CHECKPOINT_RECIPIENTS", default=[])

# Inspectors' ID and phone numbers are encrypted with a key derived from SECRET_KEY and this salt.
SALT_KEY = env.list("FIELD_ENCRYPTION_SALT", default=["dev-only-field-encryption-salt"])

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")
# Uploaded files are never served directly: views stream them after a permission check.
MEDIA_URL = "/media-not-served/"

SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content security policy (django-csp): nothing from other origins, no inline scripts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Inline style attributes only (htmx's indicator styles, templates' style="").
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Celery: tasks take ids, are idempotent and are enqueued on commit.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 55 * 60
# Above the longest task's time limit, so a slow task is never delivered twice.
# (Overridable only so a test can watch a killed worker's message come back within seconds.)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 60 * 60)}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
# Run by exactly one `celery beat` (docker-compose.yml); times are Asia/Shanghai.
CELERY_BEAT_SCHEDULE = {
    "disable-inactive-users": {
        "task": "registries.disable_inactive_users",
        "schedule": crontab(hour=2, minute=0),
    },
    # A signed checkpoint of the audit chain: to the file store, the auditors' mail, the public site.
    "audit-checkpoint": {
        "task": "registries.audit_checkpoint",
        "schedule": crontab(hour=0, minute=30),
    },
    # Deadlines, late publications and fairness checks, before the working day starts.
    "publicity-daily-watch": {
        "task": "publicity.daily_watch",
        "schedule": crontab(hour=6, minute=30),
    },
    # The dashboard's figures (seconds to compute at a million targets): the page reads these.
    "publicity-dashboard-refresh": {
        "task": "publicity.dashboard_refresh",
        "schedule": crontab(minute="*/5"),
    },
    # In December, next year's holidays must be entered before deadlines reach into it.
    "inspections-calendar-check": {
        "task": "inspections.calendar_check",
        "schedule": crontab(hour=7, minute=0),
    },
    # Draw rounds whose message was lost (a whole worker died) or never sent (the broker was down
    # when the round started): enqueued again, the draw is idempotent. Every minute, so that a
    # round waiting for the broker starts within a minute of its return.
    "inspections-requeue-stuck-draws": {
        "task": "inspections.requeue_stuck_draws",
        "schedule": crontab(minute="*"),
    },
}

# Results: entered within this many working days after the inspection (the day itself not counted).
RESULT_ENTRY_WORKING_DAYS = env.int("RESULT_ENTRY_WORKING_DAYS", default=20)
# Photos and documents of a visit, stored under MEDIA_ROOT/evidence/ and served behind a permission check.
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)
EVIDENCE_MAX_FILES = env.int("EVIDENCE_MAX_FILES", default=20)

# The dashboard's chart library, copied from npm by scripts/setup into the git-ignored static/vendor/.
CHART_JS = "vendor/chart.js/chart.umd.min.js"
# The dashboard page shows figures computed at most this long ago (beat refreshes them every 5 minutes).
DASHBOARD_SNAPSHOT_SECONDS = env.int("DASHBOARD_SNAPSHOT_SECONDS", default=600)

# Registry imports
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=300 * 1024 * 1024)
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=1024 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=2_000_000)
# Files with more rows than this are imported by a Celery task with a progress page.
IMPORT_ASYNC_ROWS = env.int("IMPORT_ASYNC_ROWS", default=5_000)
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# Credit-tier imports (classification results: a code and a tier per row) are read whole, in the request.
TIER_IMPORT_MAX_UPLOAD_BYTES = env.int("TIER_IMPORT_MAX_UPLOAD_BYTES", default=10 * 1024 * 1024)
TIER_IMPORT_MAX_ROWS = env.int("TIER_IMPORT_MAX_ROWS", default=100_000)

PGHISTORY_DEFAULT_TRACKERS = None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
}

# The site identity in every page's footer, as Chinese government sites carry it
# (publicity/context_processors.py): the sponsoring unit, the site code (网站标识码), the ICP
# record number and the public-security record number. Empty values are left out.
SITE_SPONSOR = env.str("SITE_SPONSOR", default="")
SITE_CODE = env.str("SITE_CODE", default="")
SITE_ICP = env.str("SITE_ICP", default="")
SITE_PSB = env.str("SITE_PSB", default="")
SITE_CONTACT = env.str("SITE_CONTACT", default="")

# Anonymous searches of the public results, per client address (django-ratelimit; the address
# as django-axes reads it, see AXES_IPWARE_PROXY_COUNT). The cache must be shared by every
# web process: production uses Redis (config/settings/production.py).
SEARCH_RATE = env.str("SEARCH_RATE", default="30/m")
