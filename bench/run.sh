#!/usr/bin/env bash
# keeper's benchmark suite: failover time, lost commits, false failovers, split brain and footprint of
# keeper and of the failover tools Debian ships (repmgr, Patroni, pg_auto_failover), on the same containers.
#
#   bash bench/run.sh                    every part (about 140 min), writes docs/benchmarks.md, .png, -*.csv
#   bash bench/run.sh --part splitbrain  one part (or several: --part "keeper footprint"); the report
#                                        merges it with the last results of every other part
#   bash bench/run.sh --report-only      rewrite the report from the last results of every part
#   bash bench/run.sh --smoke            crash x 1 for keeper only (about 2 min), report in bench/.work/smoke
#   bash bench/run.sh --smoke --part splitbrain   each split-brain scenario once, async (about 3 min)
#   bash bench/run.sh --smoke --part splitbrain-etcd   the same with etcd as the arbiter
#   bash bench/run.sh --smoke --part fast   the 1 s profile: each scenario once, async, a few pauses a set
#   bash bench/run.sh --runs 2 --tools "keeper repmgr" --freeze-count 5 --footprint-minutes 2
#
# Parts: keeper, repmgr, patroni, pg_auto_failover (each: that tool's crash and pgkill runs and its
# freeze run), footprint (keeper's start-up, memory and CPU), agents (the resident memory of each tool's agent
# on a healthy pair, AGENTS_MINUTES=3 each, bench/agents.sh), splitbrain (keeper with a witness),
# splitbrain-etcd (keeper with a three-member etcd cluster as the arbiter), switchover (planned switchovers),
# fast (keeper's 1 s profile, keepalive 250ms x 4: failovers, pauses with and without a CPU-starved host, false
# failovers against pause length; and Patroni at ttl 5, below its documented minimum).
# Not part of the tests or CI. Needs root on a Debian 12 machine (it starts Docker through
# src/test/docker/engine.sh and builds the image keeper-bench:2 with debootstrap). Exits 1 when any
# run it attempted could not be measured; a tool that cannot work here is reported with the reason.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH_DIR=$ROOT/bench
WORK=$BENCH_DIR/.work
BUILD_DIR=$WORK/build
TOOL_PARTS="keeper repmgr patroni pg_auto_failover"
ALL_PARTS="$TOOL_PARTS footprint agents splitbrain splitbrain-etcd switchover fast"
SWITCHOVER_TOOLS="keeper patroni pg_auto_failover"   # repmgr's switchover needs SSH between the hosts

SMOKE=0
[[ " $* " == *" --smoke "* ]] && SMOKE=1
if ((SMOKE)); then   # defaults of a smoke run; options given explicitly still apply
  # FREEZE_COUNT: none for keeper's part, 3 a set for the fast part (see below), unless --freeze-count says
  RUNS=1 SB_RUNS=1 SWITCHOVER_RUNS=0 TOOLS=keeper SCENARIOS=crash REPLICATIONS=async FREEZE_COUNT= SWEEP_COUNT=2
  FOOTPRINT_MINUTES=0 PARTS=keeper OUT=$WORK/smoke RESULTS_ROOT=$WORK/smoke/results
else
  RUNS=5 SB_RUNS=5 SWITCHOVER_RUNS=5 TOOLS=$TOOL_PARTS SCENARIOS="crash pgkill" REPLICATIONS="async sync" FREEZE_COUNT=20
  SWEEP_COUNT=10 FOOTPRINT_MINUTES=10 PARTS= OUT=$ROOT/docs RESULTS_ROOT=$WORK/results
fi
SB_SCENARIOS=
REPORT_ONLY=0
ARGS=
for a in "$@"; do [[ $a == *" "* ]] && ARGS+=" \"$a\"" || ARGS+=" $a"; done   # for the report
usage() { awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; cat <<EOU
Options: --part "PART...", --runs N (crash and pgkill, and the crash with an arbiter), --splitbrain-runs N
(the other split-brain scenarios), --tools "TOOL...", --scenarios "crash pgkill", --splitbrain-scenarios
"crash linkcut isolate witness-kill witness-kill-light witness-primary etcd-member-kill etcd-majority-kill
etcd-majority-kill-light etcd-majority-primary" (each split-brain part runs those its arbiter knows), --replication "async sync",
--freeze-count N, --footprint-minutes N, --switchover-runs N, --switchover-tools "keeper patroni
pg_auto_failover", --sweep-count N (the fast part's pauses at each length), --out DIR, --report-only, --smoke.
EOU
}
while (($#)); do
  case $1 in
    --smoke) ;;
    --part|--parts) PARTS=$2; shift ;;
    --runs) RUNS=$2; shift ;;
    --splitbrain-runs) SB_RUNS=$2; shift ;;
    --switchover-runs) SWITCHOVER_RUNS=$2; shift ;;
    --switchover-tools) SWITCHOVER_TOOLS=$2; shift ;;
    --tools) TOOLS=$2; shift ;;
    --scenarios) SCENARIOS=$2; shift ;;
    --splitbrain-scenarios) SB_SCENARIOS=$2; shift ;;
    --replication) REPLICATIONS=$2; shift ;;
    --freeze-count) FREEZE_COUNT=$2; shift ;;
    --sweep-count) SWEEP_COUNT=$2; shift ;;
    --footprint-minutes) FOOTPRINT_MINUTES=$2; shift ;;
    --out) OUT=$2; shift ;;
    --report-only) REPORT_ONLY=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
if [[ -z $PARTS ]]; then   # everything the options leave in
  PARTS=$TOOLS
  ((FOOTPRINT_MINUTES > 0)) && PARTS+=" footprint"
  ((SB_RUNS > 0)) && PARTS+=" splitbrain splitbrain-etcd"
  ((SWITCHOVER_RUNS > 0)) && PARTS+=" switchover"
  [[ " $TOOLS " == *" keeper "* ]] && PARTS+=" fast"
fi
if [[ -z $FREEZE_COUNT ]]; then   # a smoke run without --freeze-count
  FREEZE_COUNT=0; [[ " $PARTS " == *" fast "* ]] && FREEZE_COUNT=3
fi
for p in $PARTS; do
  [[ " $ALL_PARTS " == *" $p "* ]] || { echo "unknown part $p (parts: $ALL_PARTS)" >&2; exit 2; }
done

source "$BENCH_DIR/lib.sh"
source "$BENCH_DIR/parts.sh"
source "$BENCH_DIR/splitbrain.sh"
if [[ -n $SB_SCENARIOS ]]; then   # known to one of the split-brain parts asked for (to any, when none is)
  sb_parts() { local p; for p in "$@"; do [[ -n $(splitbrain_tool "$p") ]] && echo "$p"; done; }
  sb_asked=$(sb_parts $PARTS)
  sb_known=$(for p in ${sb_asked:-$(sb_parts $ALL_PARTS)}; do sb_scenarios_of "$(splitbrain_tool "$p")"; done)
  sb_known=$(echo $sb_known)
  for s in $SB_SCENARIOS; do
    [[ " $sb_known " == *" $s "* ]] || { echo "unknown split-brain scenario $s ($sb_known)" >&2; exit 2; }
  done
fi

# The report is drawn with Java2D, which needs one font (fonts-dejavu-core on Debian).
if ! fc-list 2>/dev/null | grep -q .; then
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends fontconfig fonts-dejavu-core >/dev/null
fi
if ((REPORT_ONLY)); then
  mkdir -p "$BUILD_DIR/classes" "$OUT"
  javac -d "$BUILD_DIR/classes" -sourcepath bench/java bench/java/Report.java bench/java/Restore.java || exit 1
  write_report
  exit
fi
mkdir -p "$WORK"
exec 9>"$WORK/lock"
flock -n 9 || { say "another bench/run.sh holds $WORK/lock"; exit 1; }
START=$SECONDS

# 1. Docker and the images, keeper.jar, the load client.
bash src/test/docker/engine.sh 9>&- || exit 1   # dockerd must not inherit the lock
bash bench/image.sh || exit 1
IMAGE=$(bash bench/image.sh --name)
# The commit keeper.jar is built from, read before the build: the tree may move on while the parts run.
COMMIT=$(source_commit)
say "building keeper"
mvn -B -q -Dmaven.test.skip=true package || { say "keeper did not build"; exit 1; }
rm -rf "$BUILD_DIR"; mkdir -p "$BUILD_DIR/classes"
cp keeper/target/keeper.jar "$BUILD_DIR/keeper.jar"   # a snapshot: later rebuilds do not change the run
cp conf/keeper conf/keeper-cds conf/keeper.classlist "$BUILD_DIR/"   # its launcher and class-data sharing archive
pgjdbc_version=$(sed -n 's:.*<postgresql.version>\(.*\)</postgresql.version>.*:\1:p' pom.xml)
cp "$HOME/.m2/repository/org/postgresql/postgresql/$pgjdbc_version/postgresql-$pgjdbc_version.jar" \
  "$BUILD_DIR/pgjdbc.jar" || { say "pgjdbc $pgjdbc_version is not in ~/.m2"; exit 1; }
javac -d "$BUILD_DIR/classes" -cp "$BUILD_DIR/pgjdbc.jar" bench/java/*.java || exit 1
docker run --rm "$IMAGE" cat /etc/bench-versions.tsv > "$BUILD_DIR/versions.tsv"

# 2. The parts, one after the other; keeper's footprint runs beside keeper's part when both are asked
# for. Each part writes only its own directory under RESULTS_ROOT (see bench/parts.sh).
trap 'cleanup_all all' EXIT
PART_PID= FOOTPRINT_PID=
trap 'say interrupted; kill_tree $PART_PID $FOOTPRINT_PID; wait; cleanup_all all; exit 130' INT TERM
cleanup_all all
failed=0
footprint_started=0
for part in $PARTS; do
  beside=
  case $part in
    footprint)
      ((footprint_started)) && continue   # it ran beside keeper's part
      footprint_started=1 ;;
    keeper)
      if [[ " $PARTS " == *" footprint "* ]] && ((!footprint_started)); then
        # The footprint (its own containers and network) beside keeper's own runs: 10 minutes saved, and
        # its load falls on keeper's figures only, never on a peer's. Its start-ups come first, alone.
        footprint_started=1 beside=footprint
        rm -rf "$RESULTS_ROOT/footprint"   # no earlier startups-done
        run_part footprint keeper & FOOTPRINT_PID=$!
        until [[ -f $RESULTS_ROOT/footprint/raw/keeper-footprint/startups-done ]] || ! kill -0 "$FOOTPRINT_PID" 2>/dev/null; do
          sleep 1
        done
      fi ;;
  esac
  run_part "$part" $beside & PART_PID=$!   # in the background, so that an interrupt reaches the trap at once
  wait "$PART_PID" || failed=1
  PART_PID=
  if [[ -n $beside ]]; then
    say "keeper's runs done; waiting for the footprint run"
    wait "$FOOTPRINT_PID" || failed=1
    FOOTPRINT_PID=
  fi
done

# 3. The report, generated from the results only: every part present, this run's and earlier ones.
write_report || failed=1
say "parts $PARTS done in $(( (SECONDS - START) / 60 )) min"
if ((failed)); then
  say "some runs could not be measured (see status=failed in $OUT/benchmarks-runs.csv and $RESULTS_ROOT/*/raw)"
  exit 1
fi
