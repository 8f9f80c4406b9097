# One image for web (gunicorn), worker and beat.
# Browser libraries (Chart.js) from npm, pinned by package-lock.json; only the built file (and the
# source map it names, which collectstatic's manifest needs) is kept.
FROM node:20-bookworm-slim AS vendor
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts \
 && mkdir -p static/vendor \
 && cp node_modules/chart.js/dist/chart.umd.js node_modules/chart.js/dist/chart.umd.js.map static/vendor/ \
 && cp node_modules/chart.js/LICENSE.md static/vendor/chart.js.LICENSE.md \
 && cp node_modules/idb-keyval/dist/umd.js static/vendor/idb-keyval.umd.js \
 && cp node_modules/idb-keyval/LICENCE static/vendor/idb-keyval.LICENCE

FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_STATIC_ROOT=/app/staticfiles \
    REFERRAL_HUB_VAR_DIR=/var/lib/referral-hub

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
COPY --from=vendor /build/static/vendor/ static/vendor/
# collectstatic needs settings but no database; the build-time secret is thrown away.
RUN DJANGO_DEBUG=0 DJANGO_SECRET_KEY=build-only-not-secret DJANGO_ALLOWED_HOSTS=localhost \
    FIELD_ENCRYPTION_KEYS=YnVpbGQtb25seS1ub3Qtc2VjcmV0LTAxMjM0NTY3ODk= BLIND_INDEX_KEY=build-only-not-secret \
    python manage.py collectstatic --noinput \
 && useradd --system --uid 10001 --home /app referral \
 && mkdir -p /var/lib/referral-hub/private \
 && chown -R referral /var/lib/referral-hub

USER referral
EXPOSE 8000
CMD ["gunicorn", "referral_hub.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
