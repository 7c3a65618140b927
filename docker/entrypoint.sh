#!/usr/bin/env bash
# Container entrypoint: checks the export folder, runs the one-shot "migrate"
# step, or hands the container to the given command (gunicorn, celery, flask …).
set -euo pipefail

if [[ -n "${EXPORT_DIR:-}" ]]; then
    mkdir -p "$EXPORT_DIR" 2>/dev/null || true
    if [[ ! -w "$EXPORT_DIR" ]]; then
        echo "entrypoint: warning: EXPORT_DIR $EXPORT_DIR is not writable by $(id -un); exports will fail" >&2
    fi
fi

case "${1:-}" in
    migrate)
        # Runs as the table-owning role (DATABASE_OWNER_URL), never inside the
        # app factory, and before web/worker/beat start.
        echo "entrypoint: applying database migrations" >&2
        flask --app wsgi db upgrade
        case "${SEED_DEMO:-0}" in
            1 | true | yes)
                echo "entrypoint: loading demo data (SEED_DEMO=${SEED_DEMO})" >&2
                flask --app wsgi seed-demo
                ;;
        esac
        exit 0
        ;;
esac

exec "$@"
