#!/usr/bin/env bash
# Stop the server started by start-test-postgres.sh (if any).
set -euo pipefail
PGDATA="${PAPERSCOPE_TEST_PGDATA:-/tmp/paperscope-test-pg}"
BIN="$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)")" || exit 0
RUN_AS=()
if [ "$(id -u)" = "0" ]; then RUN_AS=(runuser -u postgres --); fi
"${RUN_AS[@]}" "$BIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
