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
