"""The application's database role: it may read and write, never alter, disable or erase.

Migrations run as the owner of the tables; the application (web, worker, beat) connects as
a separate role that `app_role_grant` gives exactly:

- SELECT, INSERT, UPDATE, DELETE on every table of the schema, and the sequences,
- except UPDATE and DELETE on each table a trigger makes final as a whole (an unconditional
  `pgtrigger.Protect`: the audit trail, its purge anchors, submitted results and their item
  results, drawn targets, follow-up steps), no INSERT on the purge anchors (only a purge, run
  as the owner, writes one), and only SELECT on django_migrations;
- no TRUNCATE anywhere, no ownership (so no ALTER TABLE ... DISABLE TRIGGER), no CREATE in
  the schema; default privileges give it the same DML on tables that later migrations create
  (`db_roles` runs again after every migrate and takes back what the triggers guard).

Triggers with a condition (evidence of a submitted result, a decided correction, a finished
draw round) stay the guard on tables the application must update. Their escape hatch,
pgtrigger's `pgtrigger.ignore` setting, is a variable any role can set: the function that
reads it is replaced (`install_guarded_ignore`, after every migrate) by one that honours it
only for the owner of the function (the migration role) or a superuser. The TRUNCATE guard
of the audit trail likewise honours `ssj.allow_truncate` only for the table's owner.
"""

from __future__ import annotations

import pgtrigger
from django.apps import apps
from django.db import connections
from django.db.backends.utils import CursorWrapper
from psycopg import sql

# Tables the application may read but never write.
READ_ONLY_TABLES = ("django_migrations",)
# Models the application may not add to (a purge anchor is written only by a purge, as the owner).
NO_INSERT_MODELS = ("registries.AuditAnchor",)


class RoleSetupError(Exception):
    """The role cannot be set up as asked (it is a superuser, the owner, or cannot be created)."""


def _ignore_function() -> str:
    return f'"{pgtrigger.features.schema() or "public"}"._pgtrigger_should_ignore'


def guarded_ignore_sql() -> str:
    """pgtrigger's `_pgtrigger_should_ignore`, honouring `pgtrigger.ignore` only for its owner's members."""
    name = _ignore_function()
    return f"""
        CREATE OR REPLACE FUNCTION {name}(trigger_name NAME)
        RETURNS BOOLEAN AS $$
            DECLARE
                _pgtrigger_ignore TEXT[];
            BEGIN
                BEGIN
                    SELECT INTO _pgtrigger_ignore CURRENT_SETTING('pgtrigger.ignore');
                    EXCEPTION WHEN OTHERS THEN
                END;
                IF _pgtrigger_ignore IS NULL OR NOT (trigger_name = ANY(_pgtrigger_ignore)) THEN
                    RETURN FALSE;
                END IF;
                -- ssj (registries/db_roles.py): only the role that owns this function (the one
                -- that ran the migrations) or a superuser may skip a trigger.
                RETURN pg_has_role(
                    current_user,
                    (SELECT proowner FROM pg_proc WHERE oid = '{name}(name)'::regprocedure),
                    'MEMBER'
                );
            END;
        $$ LANGUAGE plpgsql;
    """  # noqa: S608 - the name is pgtrigger's schema setting, not input


def install_guarded_ignore(using: str = "default") -> None:
    """Replace pgtrigger's ignore function (each trigger installed by a migration puts its own back)."""
    with connections[using].cursor() as cursor:
        cursor.execute(guarded_ignore_sql())


def final_tables() -> dict[str, set[str]]:
    """{table: operations a trigger refuses on every row}, from the models' unconditional Protect triggers."""
    found: dict[str, set[str]] = {}
    for model in apps.get_models():
        for trigger in getattr(model._meta, "triggers", []):
            if isinstance(trigger, pgtrigger.Protect) and trigger.condition is None:
                operations = {op.strip() for op in str(trigger.operation).split(" OR ")} & {"UPDATE", "DELETE"}
                found.setdefault(model._meta.db_table, set()).update(operations)
    return found


def _role_exists(cursor: CursorWrapper, role: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    return cursor.fetchone() is not None


def app_role_grant(*, role: str, using: str = "default", password: str | None = None) -> list[str]:
    """Create (if need be) and grant the application's role; returns the statements run.

    Run as the owner of the tables (or a superuser): GRANT needs the owner's rights. Creating
    the role needs CREATEROLE; without it, create the role first (README, "Database roles").
    """
    run: list[str] = []
    connection = connections[using]
    with connection.cursor() as cursor:

        def execute(statement: sql.Composable) -> None:
            text = statement.as_string(cursor.connection)
            cursor.execute(text)
            run.append(text)

        ident = sql.Identifier(role)
        cursor.execute("SELECT current_user, current_database()")
        owner, database = cursor.fetchone()
        if owner == role:
            raise RoleSetupError(f"the application's role must not be the owner of the tables ({owner})")
        if not _role_exists(cursor, role):
            clause = sql.SQL(" PASSWORD {}").format(sql.Literal(password)) if password else sql.SQL("")
            try:
                execute(sql.SQL("CREATE ROLE {} LOGIN NOINHERIT{}").format(ident, clause))
            except Exception as exc:
                raise RoleSetupError(f"cannot create role {role}: {exc}; create it as a superuser first") from exc
        elif password:
            execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(ident, sql.Literal(password)))
        cursor.execute(
            "SELECT rolsuper OR rolbypassrls, pg_has_role(%s, %s, 'MEMBER') FROM pg_roles WHERE rolname = %s",
            [role, owner, role],
        )
        privileged, member_of_owner = cursor.fetchone()
        if privileged or member_of_owner:
            raise RoleSetupError(f"{role} is a superuser or a member of {owner}: it could bypass every guard")

        execute(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(sql.Identifier(database), ident))
        execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident))
        cursor.execute(
            "SELECT pg_has_role(current_user, nspowner, 'MEMBER') FROM pg_namespace WHERE nspname = 'public'"
        )
        if cursor.fetchone()[0]:
            execute(sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC, {}").format(ident))
        execute(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {}").format(ident))
        execute(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(ident))
        execute(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(ident))
        for table, operations in sorted(final_tables().items()):
            execute(
                sql.SQL("REVOKE {} ON {} FROM {}").format(
                    sql.SQL(", ").join(sql.SQL(op) for op in sorted(operations)), sql.Identifier(table), ident
                )
            )
        for label in NO_INSERT_MODELS:
            table = apps.get_model(label)._meta.db_table
            execute(sql.SQL("REVOKE INSERT ON {} FROM {}").format(sql.Identifier(table), ident))
        for table in READ_ONLY_TABLES:
            execute(sql.SQL("REVOKE INSERT, UPDATE, DELETE ON {} FROM {}").format(sql.Identifier(table), ident))
        execute(
            sql.SQL(
                "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
            ).format(ident)
        )
        execute(
            sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}").format(ident)
        )
    install_guarded_ignore(using)
    run.append("-- pgtrigger.ignore honoured only for the owner (install_guarded_ignore)")
    return run
