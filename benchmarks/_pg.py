"""A benchmark's own PostgreSQL database, next to the one DATABASE_URL names."""

from __future__ import annotations

import sys
from urllib.parse import urlparse, urlunparse


def urls(url: str, bench_db: str) -> tuple[str, str]:
    """(maintenance database URL, benchmark database URL) on the server of `url`."""
    parts = urlparse(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("DATABASE_URL must point at a PostgreSQL server")
    return urlunparse(parts._replace(path="/postgres")), urlunparse(parts._replace(path=f"/{bench_db}"))


def prepare_database(admin_url: str, bench_db: str, *, reuse: bool) -> bool:
    """True when the database was (re)created and must be loaded."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [bench_db]).fetchone()
        if exists and reuse:
            return False
        conn.execute(f"DROP DATABASE IF EXISTS {bench_db}")
        conn.execute(f"CREATE DATABASE {bench_db}")
    return True


def own_database_url(url: str, default_db: str) -> str:
    """The database DATABASE_URL names, or `default_db` when it names the server's `postgres`."""
    parts = urlparse(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("DATABASE_URL must point at a PostgreSQL server")
    name = parts.path.lstrip("/")
    return urlunparse(parts._replace(path=f"/{name if name and name != 'postgres' else default_db}"))


def recreate_database() -> None:
    """Drop and create the database Django's default connection names (Django set up)."""
    from django.db import connections

    name = connections["default"].ops.quote_name(connections["default"].settings_dict["NAME"])
    with connections["default"]._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        cursor.execute(f"CREATE DATABASE {name}")
