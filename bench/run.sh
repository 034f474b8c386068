#!/usr/bin/env bash
# keeper's benchmark suite: failover time, lost commits, false failovers and footprint of keeper and
# of the failover tools Debian ships (repmgr, Patroni, pg_auto_failover), each on the same containers.
#
#   bash bench/run.sh                 full run (about 50 min), writes docs/benchmarks.md, .png, -*.csv
#   bash bench/run.sh --smoke         crash x 1 for keeper only (about 2 min), report in bench/.work/smoke
#   bash bench/run.sh --runs 2 --tools "keeper repmgr" --freeze-count 5 --footprint-minutes 2
#   bash bench/run.sh --report-only   rewrite the report from the last run's bench/.work/results
#
# Not part of the tests or CI. Needs root on a Debian 12 machine (it starts Docker through
# src/test/docker/engine.sh and builds the image keeper-bench:2 with debootstrap). Exits 1 when any
# run it attempted could not be measured; a tool that cannot work here is reported with the reason.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH_DIR=$ROOT/bench
WORK=$BENCH_DIR/.work
BUILD_DIR=$WORK/build

RUNS=5
FREEZE_COUNT=20
FOOTPRINT_MINUTES=10
TOOLS="keeper repmgr patroni pg_auto_failover"
SCENARIOS="crash pgkill"
REPLICATIONS="async sync"
SMOKE=0
REPORT_ONLY=0
OUT=$ROOT/docs
ARGS="$*"
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case $1 in
    --smoke) SMOKE=1 ;;
    --runs) RUNS=$2; shift ;;
    --tools) TOOLS=$2; shift ;;
    --scenarios) SCENARIOS=$2; shift ;;
    --replication) REPLICATIONS=$2; shift ;;
    --freeze-count) FREEZE_COUNT=$2; shift ;;
    --footprint-minutes) FOOTPRINT_MINUTES=$2; shift ;;
    --out) OUT=$2; shift ;;
    --report-only) REPORT_ONLY=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
if ((SMOKE)); then
  RUNS=1 TOOLS=keeper SCENARIOS=crash REPLICATIONS=async FREEZE_COUNT=0 FOOTPRINT_MINUTES=0
  OUT=$WORK/smoke
fi

source "$BENCH_DIR/lib.sh"
RESULTS=$WORK/results

# The report is drawn with Java2D, which needs one font (fonts-dejavu-core on Debian).
if ! fc-list 2>/dev/null | grep -q .; then
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends fontconfig fonts-dejavu-core >/dev/null
fi
if ((REPORT_ONLY)); then
  [[ -f $RESULTS/meta.properties ]] || { say "no results in $RESULTS"; exit 1; }
  mkdir -p "$BUILD_DIR/classes" "$OUT"
  javac -d "$BUILD_DIR/classes" -sourcepath bench/java bench/java/Report.java || exit 1
  java -Djava.awt.headless=true -cp "$BUILD_DIR/classes" Report "$RESULTS" "$OUT" || exit 1
  say "report: $OUT/benchmarks.md"
  exit 0
fi
mkdir -p "$WORK"
exec 9>"$WORK/lock"
flock -n 9 || { say "another bench/run.sh holds $WORK/lock"; exit 1; }
START=$SECONDS

# 1. Docker and the images, keeper.jar, the load client.
bash src/test/docker/engine.sh || exit 1
bash bench/image.sh || exit 1
IMAGE=$(bash bench/image.sh --name)
say "building keeper"
mvn -B -q -Dmaven.test.skip=true package || { say "keeper did not build"; exit 1; }
rm -rf "$BUILD_DIR"; mkdir -p "$BUILD_DIR/classes"
cp keeper/target/keeper.jar "$BUILD_DIR/keeper.jar"   # a snapshot: later rebuilds do not change the run
pgjdbc_version=$(sed -n 's:.*<postgresql.version>\(.*\)</postgresql.version>.*:\1:p' pom.xml)
cp "$HOME/.m2/repository/org/postgresql/postgresql/$pgjdbc_version/postgresql-$pgjdbc_version.jar" \
  "$BUILD_DIR/pgjdbc.jar" || { say "pgjdbc $pgjdbc_version is not in ~/.m2"; exit 1; }
javac -d "$BUILD_DIR/classes" -cp "$BUILD_DIR/pgjdbc.jar" bench/java/*.java || exit 1
docker run --rm "$IMAGE" cat /etc/bench-versions.tsv > "$BUILD_DIR/versions.tsv"

# 2. The runs. Results go to a fresh directory and are copied next to the report at the end.
rm -rf "$RESULTS"; mkdir -p "$RESULTS/raw"
echo "$RUNS_HEADER" > "$RESULTS/runs.csv"
trap 'cleanup_all all' EXIT
TOOL_PID= FOOTPRINT_PID=
trap 'say interrupted; kill $TOOL_PID $FOOTPRINT_PID 2>/dev/null; wait; cleanup_all all; exit 130' INT TERM
cleanup_all all
failed=0
for tool in $TOOLS; do
  # keeper's footprint (10 min of a healthy pair, its own containers and network) runs beside keeper's
  # own failover runs: that keeps the suite under an hour, and its load falls on keeper's figures
  # only, never on a peer's. Its start-up measurements come first, on an otherwise quiet machine.
  if [[ $tool == keeper ]] && ((FOOTPRINT_MINUTES > 0)); then
    ( SET=kbf SUBNET_PREFIX=10.213.214; source "$BENCH_DIR/lib.sh"; source "$BENCH_DIR/footprint.sh"
      run_footprint "$FOOTPRINT_MINUTES" ) &
    FOOTPRINT_PID=$!
    until [[ -f $RESULTS/raw/keeper-footprint/startups-done ]] || ! kill -0 "$FOOTPRINT_PID" 2>/dev/null; do
      sleep 1
    done
  fi
  ( # each tool in a subshell, so its definitions do not leak into the next; in the background, so
    # that an interrupt reaches the trap at once (which stops the subshell too)
    source "$BENCH_DIR/peers/$tool.sh"
    if [[ -n ${TOOL_UNSUPPORTED:-} ]]; then
      say "$tool: not measured: $TOOL_UNSUPPORTED"
      echo "$TOOL_UNSUPPORTED" > "$RESULTS/unsupported-$tool.txt"
      exit 0
    fi
    tool_settings_md > "$RESULTS/settings-$tool.md"
    echo $((2 * TOOL_FREEZE_MS)) > "$RESULTS/window-$tool.txt"   # the detection window, in ms
    tool_version > "$RESULTS/version-$tool.txt"
    bad=0
    for scenario in $SCENARIOS; do
      for repl in $REPLICATIONS; do
        for ((run = 1; run <= RUNS; run++)); do
          run_failover "$tool" "$scenario" "$repl" "$run" || bad=1
        done
      done
    done
    if ((FREEZE_COUNT > 0)); then run_freeze "$tool" "$FREEZE_COUNT" || bad=1; fi
    exit $bad
  ) &
  TOOL_PID=$!
  wait "$TOOL_PID" || failed=1
  TOOL_PID=
  if [[ -n $FOOTPRINT_PID ]]; then
    [[ $tool == keeper ]] && say "keeper's runs done; waiting for the footprint run"
    wait "$FOOTPRINT_PID" || failed=1
    FOOTPRINT_PID=
  fi
done

# 3. The report, generated from the results only.
{
  echo "date=$(date -u +'%Y-%m-%d %H:%M UTC')"
  echo "duration_s=$((SECONDS - START))"
  echo "cpu=$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "cores=$(nproc)"
  echo "memory=$(free -g | awk '/Mem:/ { print $2 " GiB" }')"
  echo "os=$(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r)"
  echo "docker=$(docker version -f '{{.Server.Version}}' 2>/dev/null)"
  echo "image=$IMAGE"
  echo "runs=$RUNS"
  echo "freeze_count=$FREEZE_COUNT"
  echo "footprint_minutes=$FOOTPRINT_MINUTES"
  echo "smoke=$SMOKE"
  echo "tools=$TOOLS"
  echo "command=bash bench/run.sh${ARGS:+ $ARGS}"
  echo "load_at_start=$LOAD_AT_START"
} > "$RESULTS/meta.properties"
cp "$BUILD_DIR/versions.tsv" "$RESULTS/versions.tsv"
mkdir -p "$OUT"
java -Djava.awt.headless=true -cp "$BUILD_DIR/classes" Report "$RESULTS" "$OUT" || failed=1
say "report: $OUT/benchmarks.md ($(( (SECONDS - START) / 60 )) min)"
if ((failed)); then
  say "some runs could not be measured (see status=failed in $OUT/benchmarks-runs.csv and $RESULTS/raw)"
  exit 1
fi
