"""docker-compose.yml is coherent with the code and the production settings.

No Docker engine runs in CI: the compose file is parsed and checked against what it
points at (modules, the Celery app, the environment production settings require).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from celery.app.utils import find_app

from config.celery_app import app as project_celery_app

ROOT = Path(__file__).resolve().parent.parent
DJANGO_SERVICES = ("web", "worker", "beat", "migrate")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def required_production_env() -> set[str]:
    """Names production.py reads with `env.*("NAME")` and no default: a missing one fails at start."""
    tree = ast.parse((ROOT / "config/settings/production.py").read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
            continue
        func = node.func
        is_env = (isinstance(func, ast.Name) and func.id == "env") or (
            isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "env"
        )
        if is_env and not any(keyword.arg == "default" for keyword in node.keywords):
            names.add(str(node.args[0].value))
    return names


def env_file_names(path: Path) -> set[str]:
    names = set()
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            names.add(line.split("=", 1)[0])
    return names


def service_environment(service: dict[str, Any]) -> dict[str, str]:
    """`environment` of a service (the mapping or the list form)."""
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(item.split("=", 1) for item in environment)
    return {key: str(value) for key, value in environment.items()}


def env_files(service: dict[str, Any]) -> list[str]:
    value = service.get("env_file") or []
    return [value] if isinstance(value, str) else [v if isinstance(v, str) else v["path"] for v in value]


def command(service: dict[str, Any]) -> list[str]:
    value = service.get("command")
    assert isinstance(value, list), "commands are exec-form lists"
    return [str(part) for part in value]


def test_it_reads_every_setting_production_requires() -> None:
    # The parser itself must find the secrets, or the checks below would pass on nothing.
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_ALLOWED_HOSTS"} <= (
        required_production_env()
    )


@pytest.mark.parametrize("name", DJANGO_SERVICES)
def test_it_gives_each_django_service_the_production_settings_and_every_variable_they_require(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    service = services[name]
    environment = service_environment(service)
    assert environment["DJANGO_SETTINGS_MODULE"] == "config.settings.production"

    provided = set(environment)
    for env_file in env_files(service):
        assert f"/{env_file}" in (ROOT / ".gitignore").read_text().splitlines(), f"{env_file} must never be committed"
        provided |= env_file_names(ROOT / f"{env_file}.example")
    missing = required_production_env() - provided
    assert not missing, f"{name} lacks {sorted(missing)}"


def test_it_commits_no_secret(services: dict[str, dict[str, Any]]) -> None:
    secrets = {
        "DJANGO_SECRET_KEY",
        "POSTGRES_PASSWORD",
        "FIELD_ENCRYPTION_SALT",
        "DATABASE_URL",
        "DATABASE_OWNER_URL",
        "AUDIT_HMAC_KEY",
        "SSJ_OWNER_PASSWORD",
        "SSJ_APP_PASSWORD",
    }
    for name, service in services.items():
        assert not secrets & set(service_environment(service)), f"{name} has a secret in docker-compose.yml"
    for name in ("production.env.example", "production-owner.env.example"):
        assert "change-me" in (ROOT / name).read_text()


def test_it_serves_the_wsgi_application_that_exists(services: dict[str, dict[str, Any]]) -> None:
    argv = command(services["web"])
    assert argv[0] == "gunicorn"
    module_name, attribute = next(arg for arg in argv[1:] if ":" in arg and not arg.startswith("0.0.0.0")).split(":")
    module = importlib.import_module(module_name)
    assert callable(getattr(module, attribute))
    assert module_name == "config.wsgi"


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_it_starts_celery_with_the_project_app(services: dict[str, dict[str, Any]], name: str) -> None:
    argv = command(services[name])
    assert argv[:2] == ["celery", "-A"]
    assert find_app(argv[2]) is project_celery_app
    assert argv[3] == name


def test_it_runs_exactly_one_beat(services: dict[str, dict[str, Any]]) -> None:
    beats = [
        name
        for name, service in services.items()
        if service.get("command")
        and (command(service)[:1] == ["celery"])
        and ("beat" in command(service) or "-B" in command(service) or "--beat" in command(service))
    ]
    assert beats == ["beat"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    assert "scale" not in services["beat"]


def test_it_gives_worker_and_beat_the_same_broker(services: dict[str, dict[str, Any]]) -> None:
    worker, beat = service_environment(services["worker"]), service_environment(services["beat"])
    assert (
        worker["CELERY_BROKER_URL"]
        == beat["CELERY_BROKER_URL"]
        == service_environment(services["web"])["CELERY_BROKER_URL"]
    )
    assert worker["CELERY_BROKER_URL"].startswith("redis://redis:")


@pytest.mark.parametrize("name", ["postgres", "redis"])
def test_it_healthchecks_the_backing_services(services: dict[str, dict[str, Any]], name: str) -> None:
    assert services[name]["healthcheck"]["test"]


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_it_starts_the_app_after_healthy_backing_services_and_migrations(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    depends_on = services[name]["depends_on"]
    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"
    assert "python manage.py migrate --no-input" in " ".join(command(services["migrate"]))


def test_it_builds_the_image_the_services_run() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.12-slim" in dockerfile
    assert "pip install ." in dockerfile
    assert "collectstatic --no-input" in dockerfile
    assert "USER app" in dockerfile


def test_it_ships_the_same_chart_library_in_the_image_as_set_up_installs() -> None:
    """The dashboard's charts come from npm in both: the image's build stage and scripts/setup."""
    import re

    dockerfile = (ROOT / "Dockerfile").read_text()
    setup = (ROOT / "scripts/setup").read_text()
    image_version = re.search(r"ARG CHART_JS_VERSION=(\S+)", dockerfile)
    setup_version = re.search(r"CHART_JS_VERSION=(\S+)", setup)
    assert image_version and setup_version
    assert image_version.group(1) == setup_version.group(1)
    assert "COPY --from=assets /vendor static/vendor" in dockerfile
    # collectstatic runs after the copy, so the file is served by WhiteNoise from the image.
    assert dockerfile.index("COPY --from=assets") < dockerfile.index("collectstatic")


def _env_values(path: Path) -> dict[str, str]:
    return dict(
        line.split("=", 1) for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")
    )


def test_it_runs_migrations_as_the_owner_and_the_app_as_its_own_role(services: dict[str, dict[str, Any]]) -> None:
    """Two roles: migrate connects as the owner and grants the app's role; the app never sees the owner."""
    import environ

    migrate = services["migrate"]
    assert service_environment(migrate)["DJANGO_DATABASE_AS_OWNER"] == "true"
    assert "production-owner.env" in env_files(migrate)
    assert "python manage.py db_roles" in " ".join(command(migrate))
    assert " && " in " ".join(command(migrate))  # no grants after a failed migration, no app before the grants
    for name in ("web", "worker", "beat"):
        assert env_files(services[name]) == ["production.env"], f"{name} must not read the owner's password"
        assert "DJANGO_DATABASE_AS_OWNER" not in service_environment(services[name])

    app = environ.Env.db_url_config(_env_values(ROOT / "production.env.example")["DATABASE_URL"])
    owner_env = _env_values(ROOT / "production-owner.env.example")
    owner = environ.Env.db_url_config(owner_env["DATABASE_OWNER_URL"])
    assert app["USER"] != owner["USER"]
    assert (app["PASSWORD"], owner["PASSWORD"]) == (owner_env["SSJ_APP_PASSWORD"], owner_env["SSJ_OWNER_PASSWORD"])
    # The roles the postgres image creates on a fresh volume are the ones the URLs name.
    init = (ROOT / "scripts/postgres-init-roles").read_text()
    assert f"CREATE ROLE {owner['USER']} LOGIN NOSUPERUSER" in init
    assert f"CREATE ROLE {app['USER']} LOGIN NOSUPERUSER" in init
    mounts = services["postgres"]["volumes"]
    assert "./scripts/postgres-init-roles:/docker-entrypoint-initdb.d/10-roles.sh:ro" in mounts
    assert "production-owner.env" in env_files(services["postgres"])


def test_the_production_settings_connect_the_migrate_service_as_the_owner(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import runpy

    env = {
        "DJANGO_SECRET_KEY": "x",
        "DATABASE_URL": "postgres://ssj_app:a@postgres:5432/shuangsuiji",
        "DATABASE_OWNER_URL": "postgres://shuangsuiji:o@postgres:5432/shuangsuiji",
        "CELERY_BROKER_URL": "redis://redis:6379/0",
        "DJANGO_ALLOWED_HOSTS": "example.gov.cn",
        "FIELD_ENCRYPTION_SALT": "s",
        "AUDIT_HMAC_KEY": "k",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    path = str(ROOT / "config/settings/production.py")
    monkeypatch.delenv("DJANGO_DATABASE_AS_OWNER", raising=False)
    app = runpy.run_path(path, run_name="config.settings.production")
    monkeypatch.setenv("DJANGO_DATABASE_AS_OWNER", "true")
    owner = runpy.run_path(path, run_name="config.settings.production")
    assert app["DATABASES"]["default"]["USER"] == "ssj_app"
    assert owner["DATABASES"]["default"]["USER"] == "shuangsuiji"


def test_it_keeps_the_audit_checkpoints_outside_the_database(services: dict[str, dict[str, Any]]) -> None:
    for name in ("web", "worker"):
        assert "audit-checkpoints:/var/lib/shuangsuiji/audit-checkpoints" in services[name]["volumes"]
    assert "mkdir -p /app/media /var/lib/shuangsuiji/audit-checkpoints" in (ROOT / "Dockerfile").read_text()
