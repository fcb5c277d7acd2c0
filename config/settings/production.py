"""Production: PostgreSQL and Redis from the environment; secrets have no default."""

from .base import *
from .base import env

DEBUG = False
SECRET_KEY = env.str("DJANGO_SECRET_KEY")
# The application's role; the migrate service connects as the owner instead (base.py).
DATABASES = {"default": env.db("DATABASE_URL")}
if _owner_url := env.str("DATABASE_OWNER_URL", default=""):
    DATABASES["owner"] = env.db_url_config(_owner_url)
    if env.bool("DJANGO_DATABASE_AS_OWNER", default=False):
        DATABASES["default"] = env.db_url_config(_owner_url)
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL")
# One cache for every web process (rate limits of the public search): Redis, the broker's
# server unless CACHE_URL names another.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.str("CACHE_URL", default=CELERY_BROKER_URL),
    }
}
CELERY_TASK_ALWAYS_EAGER = False
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)

# Security (MLPS level 3): secrets with no default; the field-encryption salt too.
SALT_KEY = env.list("FIELD_ENCRYPTION_SALT")
# The audit chain's key: never in the database (registries/models/audit.py).
AUDIT_HMAC_KEY = env.str("AUDIT_HMAC_KEY")
AUDIT_CHECKPOINT_DIR = env.path("AUDIT_CHECKPOINT_DIR", default="/var/lib/shuangsuiji/audit-checkpoints")
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Behind one reverse proxy that SETS (never appends to) X-Forwarded-For, e.g. nginx's
# `proxy_set_header X-Forwarded-For $remote_addr;`: lockouts (per username and address) and
# the audit trail use that address. A header with more than one address is not trusted
# (REMOTE_ADDR is used). Behind N proxies that append, set AXES_IPWARE_PROXY_COUNT=N.
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=0)
AXES_IPWARE_META_PRECEDENCE_ORDER = env.list(
    "AXES_IPWARE_META_PRECEDENCE_ORDER", default=["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
)
