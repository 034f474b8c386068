#!/usr/bin/env bash
# keeper demonstration: a PostgreSQL 15 primary + streaming standby on loopback (the standby made by
# keeper clone), one keeper per node, then the primary's host "dies" (postmaster and keeper
# SIGKILLed) and the standby's keeper promotes it. Prints the measured fault-to-writable time and
# the failover story.
#
# Usage: demo/run.sh [--clean] [--build | --no-build] [-h | --help]
#   --clean      remove the work dir on exit (it is kept for inspection by default)
#   --build      always run `mvn package` (default: only when a source or pom is newer than the jar)
#   --no-build   never build; use keeper/target/keeper.jar as it is
#
# Environment (all optional):
#   KEEPER_DEMO_DIR      work dir, wiped at start          (default /tmp/keeper-demo)
#   KEEPER_DEMO_PORT1    node1 (primary) port               (default 55432)
#   KEEPER_DEMO_PORT2    node2 (standby) port               (default 55433)
#   PG_BIN               PostgreSQL server binaries         (default /usr/lib/postgresql/15/bin)
#   KEEPER_DEMO_WITHOUT_KEEPER=1  test the script itself: no keeper; node2 is promoted with
#                        `pg_ctl promote` right after the fault.
#
# Runs unattended in about a minute. As root, PostgreSQL and keeper run as the `postgres` OS user
# (PostgreSQL refuses to run as root); otherwise as the current user. Only 127.0.0.1 is used.
set -euo pipefail

PROJECT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly PROJECT_ROOT
readonly JAR_SRC="$PROJECT_ROOT/keeper/target/keeper.jar"
readonly WORK="${KEEPER_DEMO_DIR:-/tmp/keeper-demo}"
readonly PORT1="${KEEPER_DEMO_PORT1:-55432}"
readonly PORT2="${KEEPER_DEMO_PORT2:-55433}"
readonly PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
readonly WITHOUT_KEEPER="${KEEPER_DEMO_WITHOUT_KEEPER:-0}"
readonly PASSWORD='demo-secret'
readonly MARKER="$WORK/.keeper-demo"          # proves a dir is ours before we wipe it
readonly PGPASS="$WORK/pgpass"
readonly PROMOTION_TIMEOUT_S=60

CLEAN=0
BUILD=auto
PG_USER="$(id -un)"
[[ $EUID -eq 0 ]] && PG_USER=postgres
FAULT_LINE=0          # node2-keeper.log line count when the fault was injected
FAULT_TIME=""         # HH:MM:SS.mmm of the fault
WORK_IS_OURS=0        # set once this run owns $WORK (its logs are worth showing)
PROBLEMS=0            # story parts that are missing; a non-zero count fails the run

# ---------------------------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------------------------
now_ms() { date +%s%3N; }
step() { printf '\n==> %s\n' "$*"; }
info() { printf '    %s\n' "$*"; }
warn() { printf '    WARNING: %s\n' "$*" >&2; PROBLEMS=$((PROBLEMS + 1)); }

# die may run inside a probe whose output goes to /dev/null: write to the saved stderr (fd 4).
die() {
  printf '\nFAILED: %s\n' "$*" >&4
  ((WORK_IS_OURS)) && show_log_tails >&4
  exit 1
}

show_log_tails() {
  local f
  for f in "$WORK/node1-keeper.log" "$WORK/node2-keeper.log" "$WORK/node1.log" "$WORK/node2.log" \
      "$WORK/node2/log/keeper-clone.log"; do
    [[ -s $f ]] || continue
    printf '\n--- last 30 lines of %s ---\n' "$f"
    tail -n 30 "$f"
  done
}

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

parse_args() {
  while (($#)); do
    case $1 in
      --clean) CLEAN=1 ;;
      --build) BUILD=always ;;
      --no-build) BUILD=never ;;
      -h | --help) usage; exit 0 ;;
      *) usage >&2; printf '\nunknown argument: %s\n' "$1" >&2; exit 2 ;;
    esac
    shift
  done
}

# ---------------------------------------------------------------------------------------------
# running things as the PostgreSQL OS user
# ---------------------------------------------------------------------------------------------
AS_PG=()
[[ $EUID -eq 0 ]] && AS_PG=(runuser -u postgres --)

as_pg() { "${AS_PG[@]}" "$@"; }

pg() { as_pg "$PG_BIN/$1" "${@:2}"; }

# psql_at PORT SQL: one query over TCP (scram, password from the .pgpass file), unaligned output.
psql_at() {
  as_pg env PGPASSFILE="$PGPASS" PGCONNECT_TIMEOUT=2 "$PSQL" -X -A -t -q -v ON_ERROR_STOP=1 \
    -h 127.0.0.1 -p "$1" -U postgres -d postgres -c "$2"
}

# wait_for SECONDS DESCRIPTION COMMAND...: retry COMMAND every 0.1 s until it succeeds.
wait_for() {
  local timeout_s=$1 what=$2 deadline
  shift 2
  deadline=$(($(now_ms) + timeout_s * 1000))
  until "$@" >/dev/null 2>&1; do
    (($(now_ms) < deadline)) || die "timed out after ${timeout_s}s waiting for $what"
    sleep 0.1
  done
}

# ---------------------------------------------------------------------------------------------
# checks and clean-up
# ---------------------------------------------------------------------------------------------
check_prerequisites() {
  local tool
  for tool in initdb pg_ctl pg_basebackup postgres; do
    [[ -x $PG_BIN/$tool ]] || die "$PG_BIN/$tool not found (install postgresql-15 or set PG_BIN)"
  done
  PSQL="$PG_BIN/psql"
  [[ -x $PSQL ]] || PSQL=/usr/bin/psql
  [[ -x $PSQL ]] || die "psql not found in $PG_BIN or /usr/bin"
  if [[ $WITHOUT_KEEPER != 1 ]]; then
    command -v java >/dev/null || die "java not found on PATH (JDK 17 is required)"
    JAVA="$(command -v java)"
  fi
  [[ $WORK =~ ^/[A-Za-z0-9/._-]+$ && $WORK != / ]] \
    || die "KEEPER_DEMO_DIR must be an absolute path of letters, digits, '/._-': $WORK"
  if [[ $EUID -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' OS user"
  fi
  [[ $PORT1 != "$PORT2" ]] || die "KEEPER_DEMO_PORT1 and KEEPER_DEMO_PORT2 must differ"
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

check_ports_free() {
  local port
  for port in "$PORT1" "$PORT2"; do
    ! port_in_use "$port" \
      || die "port $port on 127.0.0.1 is in use; set KEEPER_DEMO_PORT1/KEEPER_DEMO_PORT2 to free ports"
  done
}

pid_alive() { [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null; }

# stop_keeper NODE: SIGTERM the keeper (pid file written by the keeper's own shell), then SIGKILL.
stop_keeper() {
  local pidfile="$WORK/$1-keeper.pid" pid
  [[ -f $pidfile ]] || return 0
  pid="$(<"$pidfile")"
  # only a java process running keeper.jar, never a recycled pid
  if pid_alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'keeper.jar'; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in {1..50}; do pid_alive "$pid" || break; sleep 0.1; done
    if pid_alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  fi
  rm -f "$pidfile"
}

# stop_cluster NODE: immediate shutdown if its postmaster is still alive.
stop_cluster() {
  local pgdata="$WORK/$1" pid
  [[ -f $pgdata/postmaster.pid ]] || return 0
  pid="$(head -n 1 "$pgdata/postmaster.pid")"
  if pid_alive "$pid"; then
    pg pg_ctl stop -D "$pgdata" -m immediate -w -t 30 >/dev/null 2>&1 \
      || kill -KILL "$pid" 2>/dev/null || true
  fi
}

stop_everything() {
  stop_keeper node1
  stop_keeper node2
  stop_cluster node1
  stop_cluster node2
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  exec 1>&3 2>&4   # a signal may land inside a probe whose output goes to /dev/null
  if [[ -f $MARKER ]]; then
    step "Cleaning up"
    stop_everything
    rm -f "$WORK/pwfile"
    if ((CLEAN)); then
      rm -rf "$WORK"
      info "removed $WORK"
    else
      info "keepers and both PostgreSQL servers stopped; files kept in $WORK"
      info "(node*-keeper.log, node*.log, node*.conf, after_command.log, node1/ and node2/ data dirs,"
      info " node2-conf/ and node2's server log node2/log/keeper-clone.log)"
    fi
  fi
  exit "$rc"
}

# ---------------------------------------------------------------------------------------------
# 1. build
# ---------------------------------------------------------------------------------------------
jar_is_stale() {
  [[ -f $JAR_SRC ]] || return 0
  [[ -n $(find "$PROJECT_ROOT" \( -name .git -o -name target -o -name demo \) -prune -o \
    \( -path '*/src/*' -o -name pom.xml \) -type f -newer "$JAR_SRC" -print -quit) ]]
}

build_keeper() {
  step "1. Building keeper"
  if [[ $BUILD == never ]] || { [[ $BUILD == auto ]] && ! jar_is_stale; }; then
    [[ -f $JAR_SRC ]] || die "--no-build given but $JAR_SRC does not exist"
    info "keeper.jar is up to date: $JAR_SRC"
    return
  fi
  command -v mvn >/dev/null || die "mvn not found on PATH"
  local t0 out
  t0=$(now_ms)
  out="$(mktemp)"
  if ! (cd "$PROJECT_ROOT" && mvn -B -q -Dmaven.test.skip=true package) >"$out" 2>&1; then
    tail -n 40 "$out" >&2
    rm -f "$out"
    die "maven build failed (mvn -B -q -Dmaven.test.skip=true package in $PROJECT_ROOT)"
  fi
  rm -f "$out"
  [[ -f $JAR_SRC ]] || die "the build succeeded but produced no $JAR_SRC"
  info "built $JAR_SRC in $(($(now_ms) - t0)) ms"
}

# ---------------------------------------------------------------------------------------------
# 2. PostgreSQL primary + streaming standby
# ---------------------------------------------------------------------------------------------
prepare_work_dir() {
  step "2. Preparing $WORK"
  if [[ -e $WORK ]]; then
    [[ -f $MARKER || -z $(ls -A "$WORK" 2>/dev/null) ]] \
      || die "$WORK exists and was not made by this script; remove it or set KEEPER_DEMO_DIR"
    stop_everything          # left over from an earlier run that was itself killed
    rm -rf "$WORK"
  fi
  mkdir -p "$WORK"
  touch "$MARKER"
  WORK_IS_OURS=1
  printf '127.0.0.1:*:*:postgres:%s\n' "$PASSWORD" >"$PGPASS"
  chmod 600 "$PGPASS"
  printf '%s\n' "$PASSWORD" >"$WORK/pwfile"
  chmod 600 "$WORK/pwfile"
  [[ $EUID -eq 0 ]] && chown -R postgres: "$WORK"
  chmod 755 "$WORK"
  info "work dir $WORK (owner $PG_USER), password file $PGPASS (mode 600)"
}

configure_node() {  # NODE PORT [POSTGRESQL_CONF]
  cat >>"${3:-$WORK/$1/postgresql.conf}" <<EOF

# --- keeper demo ($1) ---
listen_addresses = '127.0.0.1'
port = $2
unix_socket_directories = '$WORK'
unix_socket_permissions = 0700
cluster_name = '$1'
wal_level = replica
hot_standby = on
wal_log_hints = on
max_wal_senders = 5
wal_keep_size = '64MB'
EOF
}

init_primary() {
  step "2. Creating primary node1 on 127.0.0.1:$PORT1"
  local pgdata="$WORK/node1"
  pg initdb -D "$pgdata" -U postgres --pwfile="$WORK/pwfile" --auth-local=scram-sha-256 \
    --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 \
    || { tail -n 20 "$WORK/initdb.log" >&2; die "initdb failed"; }
  rm -f "$WORK/pwfile"
  configure_node node1 "$PORT1"
  as_pg tee "$pgdata/pg_hba.conf" >/dev/null <<'EOF'
# keeper demo: loopback only, passwords (scram) for everything, replication included
local   all           all                        scram-sha-256
host    all           all          127.0.0.1/32  scram-sha-256
host    replication   all          127.0.0.1/32  scram-sha-256
EOF
  start_cluster node1
}

start_cluster() {  # NODE
  pg pg_ctl start -D "$WORK/$1" -l "$WORK/$1.log" -w -t 30 >/dev/null \
    || die "could not start $1 (see $WORK/$1.log)"
  info "$1 started, postmaster pid $(head -n 1 "$WORK/$1/postmaster.pid")"
}

init_standby() {
  local pgdata="$WORK/node2" conf="$WORK/node2-conf"
  if [[ $WITHOUT_KEEPER == 1 ]]; then
    step "2. Creating standby node2 on 127.0.0.1:$PORT2 (pg_basebackup -R from node1; no keeper here)"
    as_pg env PGPASSFILE="$PGPASS" "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PORT1" -U postgres \
      -D "$pgdata" -R -X stream -c fast >"$WORK/basebackup.log" 2>&1 \
      || { tail -n 20 "$WORK/basebackup.log" >&2; die "pg_basebackup failed"; }
    # settings appended later in postgresql.conf win over node1's copied ones
    configure_node node2 "$PORT2"
    start_cluster node2
    return
  fi
  step "3. Creating standby node2 on 127.0.0.1:$PORT2 with keeper clone from node1"
  # node2's own configuration lives outside its data directory, as Debian keeps it in /etc/postgresql/15/main:
  # keeper clone copies node1 into $pgdata and leaves this directory alone.
  as_pg mkdir -m 700 "$conf"
  as_pg tee "$conf/postgresql.conf" >/dev/null <<EOF
data_directory = '$pgdata'
hba_file = '$conf/pg_hba.conf'
ident_file = '$conf/pg_ident.conf'
EOF
  configure_node node2 "$PORT2" "$conf/postgresql.conf"
  as_pg cp "$WORK/node1/pg_hba.conf" "$conf/pg_hba.conf"
  as_pg touch "$conf/pg_ident.conf"
  info "java -jar keeper.jar clone -c node2.conf --pgdata $pgdata --config-dir $conf"
  local rc=0
  (cd "$WORK" && as_pg env PGPASSFILE="$PGPASS" "$JAVA" -jar "$WORK/keeper.jar" clone -c "$WORK/node2.conf" \
    --pgdata "$pgdata" --config-dir "$conf" --timeout 30) 2>&1 | sed 's/^/      /' || rc=$?
  ((rc == 0)) || die "keeper clone failed (exit status $rc)"
}

standby_is_streaming() {
  [[ $(psql_at "$PORT1" "SELECT count(*) FROM pg_stat_replication
                         WHERE application_name = 'node2' AND state = 'streaming'") == 1 ]]
}

wait_for_streaming() {
  wait_for 30 "node2 to stream from node1" standby_is_streaming
  info "node2 is streaming: $(psql_at "$PORT1" "SELECT 'state=' || state || ' sent_lsn=' ||
        sent_lsn || ' replay_lsn=' || replay_lsn FROM pg_stat_replication")"
  [[ $(psql_at "$PORT2" "SELECT pg_is_in_recovery()") == t ]] || die "node2 is not in recovery"
}

# ---------------------------------------------------------------------------------------------
# 3-4. keeper configuration and start
# ---------------------------------------------------------------------------------------------
write_keeper_config() {  # NODE MY_PORT PARTNER_PORT
  local conf="$WORK/$1.conf"
  cat >"$conf" <<EOF
# keeper configuration for $1 (postgresql.conf syntax). No password here: libpq-style
# PGPASSFILE=$PGPASS in keeper's environment supplies it.
node_name = '$1'
my_conninfo = 'host=127.0.0.1 port=$2 dbname=postgres user=postgres'
partner_conninfo = 'host=127.0.0.1 port=$3 dbname=postgres user=postgres'
keepalive_time = 1s
keepalive_count = 3
after_command = 'echo "after_command: event=\$KEEPER_EVENT node=\$KEEPER_NODE_NAME timeline=\$KEEPER_TIMELINE lsn=\$KEEPER_LSN" >> $WORK/after_command.log'
EOF
  [[ $EUID -eq 0 ]] && chown postgres: "$conf"
  return 0
}

write_keeper_configs() {
  step "3. Writing keeper configuration"
  write_keeper_config node1 "$PORT1" "$PORT2"
  write_keeper_config node2 "$PORT2" "$PORT1"
  cp "$JAR_SRC" "$WORK/keeper.jar"   # a private copy: readable by postgres, safe from rebuilds
  [[ $EUID -eq 0 ]] && chown postgres: "$WORK/keeper.jar"
  info "$WORK/node1.conf:"
  sed 's/^/      /' "$WORK/node1.conf"
  info "$WORK/node2.conf: the same with node_name = 'node2' and the two ports swapped"
  info "password: only in $PGPASS ($(stat -c '%a %U' "$PGPASS")), passed as PGPASSFILE"
}

start_keeper() {  # NODE
  local log="$WORK/$1-keeper.log" pidfile="$WORK/$1-keeper.pid"
  # The inner shell writes its own pid and then execs java, so the pid file names the JVM itself.
  # shellcheck disable=SC2016 # expanded by the inner sh
  (cd "$WORK" && as_pg env PGPASSFILE="$PGPASS" sh -c 'echo $$ > "$1"; shift; exec "$@"' sh \
    "$pidfile" "$JAVA" -jar "$WORK/keeper.jar" run -c "$WORK/$1.conf" >"$log" 2>&1 </dev/null &)
  wait_for 10 "$1's keeper to write its pid file" test -s "$pidfile"
  info "$1 keeper started, pid $(<"$pidfile"), log $log"
}

keeper_alive() { pid_alive "$(cat "$WORK/$1-keeper.pid" 2>/dev/null)"; }

failover_log_exists_on_primary() {
  keeper_alive node1 || die "node1's keeper exited during start-up"
  keeper_alive node2 || die "node2's keeper exited during start-up"
  [[ $(psql_at "$PORT1" "SELECT to_regclass('failover_log') IS NOT NULL") == t ]]
}

start_keepers() {
  step "4. Starting one keeper per node (as OS user $PG_USER)"
  start_keeper node1
  start_keeper node2
  wait_for 45 "keeper on node1 to create the failover_log table" failover_log_exists_on_primary
  info "failover_log exists on node1; giving node2's keeper 3 s to see its partner as primary"
  sleep 3
  keeper_alive node1 || die "node1's keeper exited"
  keeper_alive node2 || die "node2's keeper exited"
  info "node1-keeper.log so far:"
  sed 's/^/      /' "$WORK/node1-keeper.log" | tail -n 15
  info "node2-keeper.log so far:"
  sed 's/^/      /' "$WORK/node2-keeper.log" | tail -n 15
}

# ---------------------------------------------------------------------------------------------
# 5. fault and promotion
# ---------------------------------------------------------------------------------------------
banner() {
  printf '\n%s\n' "################################################################################"
  printf '#  %-76s#\n' "$@"
  printf '%s\n' "################################################################################"
}

node2_writable() {
  [[ $(psql_at "$PORT2" "SELECT NOT pg_is_in_recovery()") == t ]] || return 1
  psql_at "$PORT2" "CREATE TABLE IF NOT EXISTS demo_write(t timestamptz);
                    INSERT INTO demo_write VALUES (now())"
}

inject_fault_and_wait() {
  local pm_pid keeper_pid="" t_fault t_writable
  pm_pid="$(head -n 1 "$WORK/node1/postmaster.pid")"
  local victims=("SIGKILL to node1's postmaster (pid $pm_pid).")
  if [[ $WITHOUT_KEEPER != 1 ]]; then
    keeper_pid="$(<"$WORK/node1-keeper.pid")"
    victims+=("SIGKILL to node1's keeper (pid $keeper_pid).")
  fi
  banner "FAULT: node1's host dies now." "${victims[@]}" \
    "Waiting up to ${PROMOTION_TIMEOUT_S} s for node2 to become a writable primary."
  FAULT_LINE=$(wc -l 2>/dev/null <"$WORK/node2-keeper.log" || echo 0)
  t_fault=$(now_ms)
  kill -KILL "$pm_pid"
  [[ -z $keeper_pid ]] || kill -KILL "$keeper_pid"
  FAULT_TIME="$(date -d "@${t_fault:0:10}" '+%H:%M:%S').${t_fault:10:3}"
  step "5. Fault injected at $FAULT_TIME"
  if [[ $WITHOUT_KEEPER == 1 ]]; then
    info "KEEPER_DEMO_WITHOUT_KEEPER=1: promoting node2 with pg_ctl promote"
    pg pg_ctl promote -D "$WORK/node2" -w >/dev/null
  fi
  wait_for "$PROMOTION_TIMEOUT_S" "node2 to be promoted and accept a write (keeper did not fail over)" \
    node2_writable
  t_writable=$(now_ms)
  banner "node2 is primary and accepted a write." \
    "Fault-to-writable time: $((t_writable - t_fault)) ms"
}

# ---------------------------------------------------------------------------------------------
# 6. the story
# ---------------------------------------------------------------------------------------------
failover_log_count_node2() { psql_at "$PORT2" "SELECT count(*) FROM failover_log"; }

show_node2_keeper_log() {
  local log="$WORK/node2-keeper.log" total from=1
  total=$(wc -l <"$log")
  if ((total <= 80)); then
    step "6. node2-keeper.log (whole log)"
  else
    from=$((FAULT_LINE > 5 ? FAULT_LINE - 4 : 1))   # 5 lines of context before the fault
    step "6. node2-keeper.log from line $from of $total"
  fi
  awk -v from="$from" -v fault="$FAULT_LINE" -v mark="---- fault injected at $FAULT_TIME ----" '
    NR >= from { print "    " $0 }
    NR == fault { print "    " mark }
    END { if (NR < fault || fault == 0) print "    " mark }' "$log"
}

show_after_command_log() {
  step "6. $WORK/after_command.log"
  # the after_command may run a moment after the promotion itself
  local deadline=$(($(now_ms) + 10000))
  until [[ -s $WORK/after_command.log ]] || (($(now_ms) > deadline)); do sleep 0.2; done
  if [[ -s $WORK/after_command.log ]]; then
    sed 's/^/    /' "$WORK/after_command.log"
  else
    warn "after_command.log was not written within 10 s of the promotion"
  fi
}

show_failover_log_row() {
  step "6. Latest failover_log row on node2"
  local before=$1 deadline=$(($(now_ms) + 15000))
  until (($(failover_log_count_node2 2>/dev/null || echo 0) > before)) || (($(now_ms) > deadline)); do
    sleep 0.2
  done
  (($(failover_log_count_node2 2>/dev/null || echo 0) > before)) \
    || warn "no new failover_log row on node2 within 15 s of the promotion"
  as_pg env PGPASSFILE="$PGPASS" "$PSQL" -X -A -x -h 127.0.0.1 -p "$PORT2" -U postgres \
    -d postgres -c 'SELECT * FROM failover_log ORDER BY unixtime DESC LIMIT 1' 2>&1 \
    | sed 's/^/    /' || warn "could not read failover_log on node2"
}

show_merged_log() {
  step "6. java -jar keeper.jar log -c node2.conf (merged failover_log; node1 is down)"
  local rc=0
  (cd "$WORK" && timeout 60 "${AS_PG[@]}" env PGPASSFILE="$PGPASS" "$JAVA" -jar "$WORK/keeper.jar" \
    log -c "$WORK/node2.conf") 2>&1 | sed 's/^/    /' || rc=$?
  ((rc == 0)) || info "(keeper log exited with status $rc)"
}

show_story() {
  local before=$1
  show_node2_keeper_log
  show_after_command_log
  show_failover_log_row "$before"
  show_merged_log
}

# ---------------------------------------------------------------------------------------------
main() {
  exec 3>&1 4>&2   # the script's own stdout and stderr, for die and cleanup
  parse_args "$@"
  check_prerequisites
  local t_start
  t_start=$(now_ms)
  if [[ $WITHOUT_KEEPER == 1 ]]; then
    step "1. KEEPER_DEMO_WITHOUT_KEEPER=1: skipping the keeper build"
  else
    build_keeper
  fi
  check_ports_free
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  prepare_work_dir
  init_primary
  [[ $WITHOUT_KEEPER == 1 ]] || write_keeper_configs   # keeper clone reads node2.conf
  init_standby
  wait_for_streaming

  local rows_before=0
  if [[ $WITHOUT_KEEPER != 1 ]]; then
    start_keepers
    rows_before=$(failover_log_count_node2 2>/dev/null || echo 0)
  fi
  inject_fault_and_wait
  if [[ $WITHOUT_KEEPER != 1 ]]; then
    show_story "$rows_before"
  fi

  step "Done in $(( ($(now_ms) - t_start) / 1000 )) s"
  if ((PROBLEMS)); then
    printf '\nFAILED: node2 was promoted, but %d part(s) of the failover story are missing (see WARNING above)\n' \
      "$PROBLEMS" >&2
    exit 1
  fi
}

main "$@"
