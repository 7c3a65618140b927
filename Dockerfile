# One image for every Veivalg process: web (gunicorn), worker and beat (celery)
# and the one-shot migrate step. docker-compose.yml picks the command per service.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    VEIVALG_ENV=production \
    EXPORT_DIR=/data/exports

# WeasyPrint needs Pango (and HarfBuzz's subsetter, which makes it ~3x faster);
# DejaVu covers ÆØÅ. curl is for the healthchecks.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core curl \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 veivalg \
 && useradd --system --uid 10001 --gid veivalg --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin veivalg

WORKDIR /app

# Dependencies first, so a code change does not reinstall them. The glob makes
# constraints.txt optional; with it, versions are the ones tested together.
COPY pyproject.toml constraints.tx[t] ./
RUN if [ -f constraints.txt ]; then pip install -c constraints.txt .; else pip install .; fi

COPY . .
# wsgi.py and config.py sit at the top of /app (PYTHONPATH), so the code that
# runs is /app's, where the compiled translations are.
RUN pip install --no-deps . \
 && rm -rf build ./*.egg-info \
 && pybabel compile -d portal/translations \
 && chmod 0755 docker/entrypoint.sh \
 && mkdir -p /data/exports /app/instance \
 && chown veivalg:veivalg /data/exports /app/instance

# A named volume mounted here starts with this folder's owner (veivalg).
VOLUME ["/data/exports"]

USER veivalg
EXPOSE 8000

ENTRYPOINT ["/app/docker/entrypoint.sh"]
# No gunicorn access log: the app logs one line per request itself, with its
# request id (JSON in production). GUNICORN_CMD_ARGS adds options at run time.
CMD ["gunicorn", "--worker-class", "gthread", "--workers", "2", "--threads", "4", \
     "--bind", "0.0.0.0:8000", "--worker-tmp-dir", "/dev/shm", "wsgi:app"]
