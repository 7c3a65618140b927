#!/usr/bin/env bash
# Make sure PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) answer before the tests run.
# Order: use running ones; else `docker compose up -d postgres redis`; else local Debian services;
# else say exactly what is missing.
set -u
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ] || (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; }
wait_up() { for _ in $(seq 1 30); do "$1" && return 0; sleep 1; done; return 1; }

if pg_up && redis_up; then exit 0; fi

if docker compose version >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  echo "starting postgres and redis with docker compose"
  docker compose up -d postgres redis
else
  if ! pg_up && command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "starting the local PostgreSQL cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  if ! redis_up && command -v redis-server >/dev/null 2>&1; then
    echo "starting a local redis-server"
    mkdir -p /tmp/veivalg-redis
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
      --dir /tmp/veivalg-redis --logfile /tmp/veivalg-redis/redis.log || true
  fi
fi

missing=""
wait_up pg_up || missing="$missing PostgreSQL(127.0.0.1:5432)"
wait_up redis_up || missing="$missing Redis(127.0.0.1:6379)"
if [ -n "$missing" ]; then
  echo "make test needs:$missing. Start them, or install Docker and run: docker compose up -d postgres redis" >&2
  exit 1
fi
