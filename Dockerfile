# The application image: web (gunicorn), Celery worker and Celery beat all run it.

# Front-end assets from the npm registry (the same version as scripts/setup installs).
FROM node:22-slim AS assets
ARG CHART_JS_VERSION=4.5.1
RUN npm install --silent --no-save --no-audit --no-fund --no-package-lock --prefix /assets "chart.js@${CHART_JS_VERSION}" \
 && mkdir -p /vendor/chart.js \
 && cp /assets/node_modules/chart.js/dist/chart.umd.min.js /assets/node_modules/chart.js/LICENSE.md /vendor/chart.js/ \
 && echo "${CHART_JS_VERSION}" >/vendor/chart.js/VERSION

FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production

WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml README.md ./
RUN pip install .

COPY . .
COPY --from=assets /vendor static/vendor

# Build-time only values: production settings refuse to start without them. The real
# ones come from the env file at run time (docker-compose.yml); none is baked in.
RUN DJANGO_SECRET_KEY=build-only DATABASE_URL=postgres://build@localhost/build \
    CELERY_BROKER_URL=redis://localhost:6379/0 DJANGO_ALLOWED_HOSTS=localhost \
    FIELD_ENCRYPTION_SALT=build-only AUDIT_HMAC_KEY=build-only \
    sh -c 'python manage.py compile_locale && python manage.py collectstatic --no-input' \
 && useradd --system --uid 10001 --home-dir /app app \
 && mkdir -p /app/media /var/lib/shuangsuiji/audit-checkpoints \
 && chown -R app /app/media /var/lib/shuangsuiji/audit-checkpoints

USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120"]
