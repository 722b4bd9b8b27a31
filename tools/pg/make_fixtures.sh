#!/usr/bin/env bash
# tools/pg/make_fixtures.sh — makes memstats' real-server fixtures from a live PostgreSQL 15.
#
# Installs Debian's postgresql-15 (and gdb) when missing, creates a throw-away cluster in a
# temp dir owned by an unprivileged user (palloc-pg, created if needed), starts it on a
# loopback port and a unix socket inside that dir with the logging collector writing stderr,
# csvlog and jsonlog, drives short bounded workloads (psql, pgbench -i, pgbench with several
# clients) while asking every backend for its memory contexts so dumps of several backends
# interleave, captures psql's three output forms of pg_backend_memory_contexts and a gdb
# MemoryContextStats block, stops the server by its data dir, and copies the logs into
# spec/memstats/fixtures/pg15/. Run as root:  bash tools/pg/make_fixtures.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${OUT:-$ROOT/spec/memstats/fixtures/pg15}
PGBIN=/usr/lib/postgresql/15/bin
PGUSER_OS=palloc-pg
PORT=${PORT:-54415}

if [ ! -x "$PGBIN/postgres" ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15
fi
if ! command -v gdb >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gdb || echo "gdb unavailable: no gdb block"
fi
id "$PGUSER_OS" >/dev/null 2>&1 || useradd --system --no-create-home --shell /bin/sh "$PGUSER_OS"

TMP=$(mktemp -d /tmp/palloc-pg.XXXXXX)
chown "$PGUSER_OS" "$TMP"
chmod 755 "$TMP"
as_pg() { runuser -u "$PGUSER_OS" -- "$@"; }
DATA=$TMP/data
SOCK=$TMP/sock
LOGDIR=$TMP/log
as_pg mkdir -p "$SOCK" "$LOGDIR"

stop() {
  if [ -f "$DATA/postmaster.pid" ]; then as_pg "$PGBIN/pg_ctl" stop -D "$DATA" -m fast -w || true; fi
}
trap stop EXIT

as_pg "$PGBIN/initdb" -D "$DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
cat >>"$DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCK'
logging_collector = on
log_destination = 'stderr,csvlog,jsonlog'
log_directory = '$LOGDIR'
log_filename = 'pg-%H%M%S.log'
log_rotation_age = 0
log_rotation_size = 0
log_line_prefix = '%m [%p] '
log_checkpoints = off
lc_messages = 'C'
jit = off
CONF
as_pg "$PGBIN/pg_ctl" start -D "$DATA" -w -l "$TMP/pg_ctl.log" >/dev/null

PSQL=("$PGBIN/psql" -X -q -h "$SOCK" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1)
psql_() { as_pg "${PSQL[@]}" "$@"; }

psql_ -c "CREATE DATABASE bench"
as_pg "$PGBIN/pgbench" -q -i -s 1 -h "$SOCK" -p "$PORT" -U postgres bench >/dev/null 2>&1

dump_all() { psql_ -c "SELECT count(pg_log_backend_memory_contexts(pid)) FROM pg_stat_activity" >/dev/null; }

# One phase: set a prefix, start a fresh log file, run pgbench with several clients and a
# few idle/active psql sessions, and ask every process for its contexts twice meanwhile.
phase() {
  local name=$1 prefix=$2 rounds=$3 structured=$4
  psql_ -c "ALTER SYSTEM SET log_line_prefix = '$prefix'" -c "SELECT pg_reload_conf()" >/dev/null
  sleep 1.2
  psql_ -c "SELECT pg_rotate_logfile()" >/dev/null
  sleep 0.5
  as_pg "$PGBIN/pgbench" -n -c 4 -j 2 -T 4 -h "$SOCK" -p "$PORT" -U postgres bench >/dev/null 2>&1 &
  local bench=$!
  as_pg "${PSQL[@]}" -d bench -c "SELECT pg_sleep(3.5), count(*) FROM pgbench_accounts" >/dev/null &
  local sleeper=$!
  sleep 1
  dump_all
  if [ "$rounds" = 2 ]; then sleep 1.2; dump_all; fi
  wait "$bench" "$sleeper"
  sleep 0.5
  psql_ -c "SELECT pg_rotate_logfile()" >/dev/null
  sleep 0.5
  local f
  f=$(ls -t "$LOGDIR"/*.log | sed -n 2p)
  cp "$f" "$OUT/$name.log"
  if [ "$structured" = yes ]; then
    cp "${f%.log}.csv" "$OUT/$name.csv"
    cp "${f%.log}.json" "$OUT/$name.json"
  fi
}

rm -rf "$OUT"
mkdir -p "$OUT"
# Phase 1 dumps every process twice (a backend over time) and keeps its csvlog and jsonlog
# files too (they do not depend on the prefix); the others dump once, stderr log only.
phase prefix-m-p '%m [%p] ' 2 yes
phase prefix-t-p-l '%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h ' 1 no
phase prefix-no-pid '%m %u@%d ' 1 no

# A prefix change in mid-file: two prefixes in one log, each with a dump.
psql_ -c "ALTER SYSTEM SET log_line_prefix = '%m [%p] '" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1.2
psql_ -c "SELECT pg_rotate_logfile()" >/dev/null
sleep 0.5
psql_ -c "SELECT pg_log_backend_memory_contexts(pg_backend_pid())" >/dev/null
psql_ -c "ALTER SYSTEM SET log_line_prefix = '%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h '" \
  -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
psql_ -c "SELECT pg_log_backend_memory_contexts(pg_backend_pid())" >/dev/null

# gdb: MemoryContextStats of a backend sitting in pg_sleep; it prints on the backend's stderr,
# which the collector writes into the same .log file, without prefix or PID.
if command -v gdb >/dev/null 2>&1; then
  as_pg "${PSQL[@]}" -d bench -c "SELECT pg_sleep(6)" >/dev/null &
  sleeper=$!
  sleep 1
  target=$(psql_ -At -c "SELECT pid FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(6)%' LIMIT 1")
  psql_ -c "SELECT pg_log_backend_memory_contexts($target)" >/dev/null
  sleep 0.5
  gdb -p "$target" -batch -ex 'call (void) MemoryContextStats(*(void **) &TopMemoryContext)' \
    >"$TMP/gdb.out" 2>&1 || echo "gdb call failed: $(tail -3 "$TMP/gdb.out")"
  sleep 0.3
  psql_ -c "SELECT pg_log_backend_memory_contexts($target)" >/dev/null
  wait "$sleeper"
fi
sleep 0.5
psql_ -c "SELECT pg_rotate_logfile()" >/dev/null
sleep 0.5
f=$(ls -t "$LOGDIR"/*.log | sed -n 2p)
cp "$f" "$OUT/prefix-change-gdb.log"
cp "${f%.log}.csv" "$OUT/prefix-change-gdb.csv"
cp "${f%.log}.json" "$OUT/prefix-change-gdb.json"

# psql's own output of the view, in its three forms.
Q="SELECT * FROM pg_backend_memory_contexts"
psql_ -d bench -P pager=off -c "$Q" >"$OUT/psql-aligned.txt"
psql_ -d bench -P pager=off -x -c "$Q" >"$OUT/psql-expanded.txt"
psql_ -d bench --csv -c "$Q" >"$OUT/psql-csv.csv"

stop
trap - EXIT
"$PGBIN/postgres" --version >"$OUT/VERSION"
chmod 644 "$OUT"/*
rm -rf "$TMP"
ls -la "$OUT"
