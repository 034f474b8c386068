#!/usr/bin/env bash
# keeper's footprint on a healthy pair: a primary and its streaming standby, each in a container of the test image
# with keeper beside PostgreSQL, no arbiter, keepalive_time 1s x 3. keeper is started by its launcher (conf/keeper,
# installed as /usr/bin/keeper), so it runs with the JVM flags it ships with. Prints, per node: keeper's resident
# memory (VmRSS) each minute of a MINUTES-long run, the largest of the samples taken every 10 s, its CPU time and
# threads; the mean partner probe when HTTP=1; then where one keeper's memory goes (a 60 s run with Native Memory
# Tracking, which adds about 1 MiB of its own), the classes it loaded, and the time from launching keeper to its
# first look at its server over STARTUPS restarts of node2's keeper (median).
# Not part of bench/run.sh's report. Usage: pair-footprint.sh [MINUTES [STARTUPS]] (defaults 10 and 7).
# FLOOR=1 measures bench/floor/DesignFloor.java instead (below).
# Env: AUTH (TCP authentication, default scram-sha-256); CDS=0 runs keeper without the class-data sharing archive that the package makes (conf/keeper-cds);
# CLASSLIST=FILE writes the classes node1's keeper loaded in its 60 s run to FILE (conf/keeper.classlist is made so,
# with HTTP=1, so that the archive holds the status server's classes too); HTTP=1 turns http_listen on and asks
# /primary and /replica every 2 s and /metrics every 16 s, as a load balancer and Prometheus would; KEEPER_JAR (default keeper/target/keeper.jar); KEEPER_LAUNCHER (default
# conf/keeper); KEEPER_JAVA_OPTS (more JVM flags, passed to the launcher). Needs Docker.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-10} STARTUPS=${2:-7}
IMAGE=$(sed -n 's/^IMAGE=//p' src/test/docker/prepare.sh)
JAR=${KEEPER_JAR:-keeper/target/keeper.jar}
LAUNCHER=${KEEPER_LAUNCHER:-conf/keeper}
[[ -f $JAR ]] || { echo "pair-footprint: $JAR not built (mvn -B -DskipTests package)" >&2; exit 2; }
bash src/test/docker/prepare.sh >/dev/null
SET=keeper-pairfp-$$
trap 'docker rm -f "$SET-node1" "$SET-node2" >/dev/null 2>&1 || true; docker network rm "$SET" >/dev/null 2>&1 || true' EXIT
docker network create --label io.keeper.e2e=true "$SET" >/dev/null
on() { local node=$1; shift; docker exec -i "$SET-$node" bash -c "$@"; }

for node in node1 node2; do
  docker run -d --init --name "$SET-$node" --hostname "$node" --network "$SET" --network-alias "$node" \
    --label io.keeper.e2e=true -e PATH=/usr/lib/postgresql/15/bin:/usr/sbin:/usr/bin:/sbin:/bin "$IMAGE" \
    sleep infinity >/dev/null
  on "$node" 'mkdir -p /usr/share/keeper /etc/keeper'
  docker cp -q "$JAR" "$SET-$node:/usr/share/keeper/keeper.jar"
  docker cp -q "$LAUNCHER" "$SET-$node:/usr/bin/keeper"
  on "$node" 'chmod 755 /usr/bin/keeper'
  # The class-data sharing archive, as the package makes it when installed (conf/keeper-cds); CDS=0: without it.
  if [[ ${CDS:-1} == 1 && -r conf/keeper.classlist ]]; then
    docker cp -q conf/keeper-cds "$SET-$node:/usr/share/keeper/keeper-cds"
    docker cp -q conf/keeper.classlist "$SET-$node:/usr/share/keeper/keeper.classlist"
    on "$node" 'sh /usr/share/keeper/keeper-cds' >/dev/null
  fi
  partner=$([[ $node == node1 ]] && echo node2 || echo node1)
  on "$node" "cat > /etc/keeper/keeper.conf; chmod 644 /etc/keeper/keeper.conf" <<EOC
node_name = '$node'
my_conninfo = 'host=127.0.0.1 port=5432 dbname=postgres user=postgres'
partner_conninfo = 'host=$partner port=5432 dbname=postgres user=postgres'
keepalive_time = 1s
keepalive_count = 3
$([[ ${HTTP:-0} == 1 ]] && echo "http_listen = '127.0.0.1:8008'")
EOC
done
# TCP connections authenticate with AUTH (default scram-sha-256, as Debian's PostgreSQL does; the password is in
# ~postgres/.pgpass on both nodes, as the README's install sets it up); AUTH=trust skips it.
for node in node1 node2; do
  on "$node" 'echo "*:*:*:postgres:footprint" > /var/lib/postgresql/.pgpass
    chown postgres /var/lib/postgresql/.pgpass; chmod 600 /var/lib/postgresql/.pgpass'
done
on node1 'install -d -o postgres /var/lib/postgresql/d
  su postgres -c "initdb -D /var/lib/postgresql/d -U postgres --auth-local=trust --auth-host='"${AUTH:-scram-sha-256}"'" >/dev/null
  printf "%s\n" "listen_addresses = '"'*'"'" "wal_sender_timeout = '"'2s'"'" >> /var/lib/postgresql/d/postgresql.conf
  printf "%s\n" "host all all 0.0.0.0/0 '"${AUTH:-scram-sha-256}"'" \
    "host replication all 0.0.0.0/0 '"${AUTH:-scram-sha-256}"'" >> /var/lib/postgresql/d/pg_hba.conf
  su postgres -c "pg_ctl -D /var/lib/postgresql/d -l /tmp/pg.log -w start" >/dev/null
  su postgres -c "psql -qc \"ALTER ROLE postgres PASSWORD '"'footprint'"'\""'
on node2 'su postgres -c "pg_basebackup -h node1 -U postgres -D /var/lib/postgresql/d -R -X stream"
  su postgres -c "pg_ctl -D /var/lib/postgresql/d -l /tmp/pg.log -w start" >/dev/null'

# FLOOR=1: instead of keeper, bench/floor/DesignFloor.java on node1 (its partner node2), with the launcher's JVM flags
# and a class-data sharing archive of its own classes made as keeper-cds makes keeper's: what the design card's
# libraries hold resident doing a keeper's least (variant card, with and without the JDK's HTTP server answering
# every 2 s), and the same least with pgjdbc alone (variant bare). Each variant: 60 s recording its classes, then
# MINUTES with the archive.
if [[ ${FLOOR:-0} == 1 ]]; then
  classes=bench/.work/floor
  rm -rf "$classes" && mkdir -p "$classes"
  javac -d "$classes" -cp "$JAR" bench/floor/DesignFloor.java
  jar cf "$classes.jar" -C "$classes" .
  docker cp -q "$classes.jar" "$SET-node1:/usr/share/keeper/floor.jar"
  flags=$(on node1 'bin=$(dirname "$(readlink -f "$(command -v java)")"); printf "#!/bin/sh\necho \"\$@\"\n" > "$bin/echo-args"
    chmod 755 "$bin/echo-args"; KEEPER_JAVA=$bin/echo-args KEEPER_CDS_ARCHIVE=/nonexistent keeper run' | sed 's/ -jar .*//')
  echo "design floor on node1 ($IMAGE), JVM flags of the launcher: $flags"
  for variant in "bare 127.0.0.1 node2" "card --local 127.0.0.1 --partner node2" \
      "card --local 127.0.0.1 --partner node2 --http"; do
    on node1 'flags=$1 variant=$2 minutes=$3
      cp=/usr/share/keeper/keeper.jar:/usr/share/keeper/floor.jar
      floor() { su postgres -c "java $flags $1 -cp $cp DesignFloor $variant > /tmp/floor.log 2>&1 &"; sleep 2
        pid=$(pgrep -f "^java .*DesignFloor") || { cat /tmp/floor.log >&2; exit 1; }
        case $variant in *--http) setsid bash -c "while sleep 2; do exec 3<>/dev/tcp/127.0.0.1/8008 &&
          { printf \"GET / HTTP/1.0\r\n\r\n\" >&3; cat <&3 >/dev/null; exec 3<&-; }; done" </dev/null >/dev/null 2>&1 &
          checks=$! ;; esac; }
      stop() { [ -z "${checks:-}" ] || kill "$checks"; kill "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done; }
      floor -XX:DumpLoadedClassList=/tmp/floor.classlist; sleep 58; stop
      java -Xshare:dump -XX:SharedClassListFile=/tmp/floor.classlist -XX:SharedArchiveFile=/tmp/floor.jsa -cp $cp >/dev/null 2>&1
      floor "-XX:SharedArchiveFile=/tmp/floor.jsa -Xshare:on"
      max=0; for ((t = 10; t <= minutes * 60; t += 10)); do sleep 10
        rss=$(awk "/^VmRSS/ { print \$2 }" /proc/$pid/status); ((rss > max)) && max=$rss; done
      threads=$(ls /proc/$pid/task | wc -l)
      cds=$(su postgres -c "cat /proc/$pid/smaps" | awk "/^[0-9a-f]+-/ { jsa = /\\.jsa\$/ } jsa && /^Rss:/ { kb += \$2 } END { print kb }")
      grep -q "probe 61:" /tmp/floor.log || { echo "floor: $variant did not probe for a minute" >&2; cat /tmp/floor.log >&2; exit 1; }
      stop
      awk -v v="$variant" -v r="$rss" -v m="$max" -v c="$cds" -v t="$threads" -v n="$(grep -vc "^#" /tmp/floor.classlist)" -v min="$minutes" \
        "BEGIN { printf \"%-46s %5.1f MiB after %d min (largest %.1f), %d threads, %d classes archived, archive %.1f MiB resident\\n\", v, r / 1024, min, m / 1024, t, n, c / 1024 }"' \
      _ "$flags" "$variant" "$MINUTES"
  done
  exit 0
fi

# keeper's JVM: the launcher execs java, so the java process is the only one naming keeper.jar.
keeper_pid() { on "$1" 'pgrep -f "^java .*keeper\.jar run"'; }

# Launches keeper through the launcher as the postgres user; $2: more JVM flags for this launch only.
start_keeper() {
  on "$1" "echo launch \$(date +%s%3N) >> /var/log/keeper.log; chown postgres /var/log/keeper.log
    setsid su postgres -c 'KEEPER_JAVA_OPTS=\"${KEEPER_JAVA_OPTS:-} ${2:-}\" keeper run -c /etc/keeper/keeper.conf \
      >> /var/log/keeper.log 2>&1 &' </dev/null >/dev/null 2>&1"
}

stop_keeper() {
  on "$1" 'pid=$(pgrep -f "^java .*keeper\.jar run") || exit 0; kill "$pid"
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done'
}

# Milliseconds from keeper's last launch on node $1 to its first "Local server ... is" line; waits up to 30 s.
startup_ms() {
  on "$1" 'for _ in $(seq 300); do
      line=$(awk "/^launch / { launch = \$2; line = \"\" }
                  launch && line == \"\" && /Local server 127.0.0.1:5432 is/ { line = launch \" \" \$1 \" \" \$2 }
                  END { print line }" /var/log/keeper.log)
      [ -n "$line" ] && { set -- $line; echo $(( $(date -d "$2 $3" +%s%3N) - $1 )); exit 0; }
      sleep 0.1
    done; exit 1'
}

# The checks of a load balancer (/primary, /replica every 2 s) and a Prometheus scrape (/metrics every 16 s).
start_checks() {
  on "$1" 'setsid bash -c "i=0; while true; do
      for p in /primary /replica \$( (( i % 8 == 0 )) && echo /metrics); do
        exec 3<>/dev/tcp/127.0.0.1/8008 && { printf \"GET %s HTTP/1.0\r\n\r\n\" \$p >&3; cat <&3 >/dev/null; exec 3<&-; }
      done; i=\$((i + 1)); sleep 2
    done" </dev/null >/dev/null 2>&1 &'
}

# "rss_kb cpu_ms threads probes probe_seconds" for the keeper on node $1 (the last two with HTTP=1 only).
sample() {
  on "$1" 'pid=$(pgrep -f "^java .*keeper\.jar run") || exit 1
    rss=$(awk "/^VmRSS/ { print \$2 }" /proc/$pid/status)
    cpu=$(awk -v hz=$(getconf CLK_TCK) "{ print int((\$14 + \$15) * 1000 / hz) }" /proc/$pid/stat)
    probes=""
    if [ '"${HTTP:-0}"' = 1 ] && exec 3<>/dev/tcp/127.0.0.1/8008; then
      printf "GET /metrics HTTP/1.0\r\n\r\n" >&3
      probes=$(awk "/^keeper_partner_probe_duration_seconds_(count|sum) / { v[\$1] = \$2 }
        END { print v[\"keeper_partner_probe_duration_seconds_count\"], v[\"keeper_partner_probe_duration_seconds_sum\"] }" <&3)
    fi
    echo $rss $cpu $(ls /proc/$pid/task | wc -l) $probes'
}

echo "keeper footprint on a healthy pair ($IMAGE, $(basename "$JAR") $(wc -c < "$JAR") bytes, HTTP=${HTTP:-0})"
start_keeper node1; start_keeper node2
for node in node1 node2; do
  startup_ms "$node" >/dev/null || { echo "$node: keeper did not start" >&2; on "$node" 'tail /var/log/keeper.log' >&2; exit 1; }
done
echo "JVM flags (as launched): $(on node1 'tr "\0" " " < /proc/$(pgrep -f "^java .*keeper\.jar run")/cmdline' \
  | sed 's/^java //; s/ -jar .*//')"
if [[ ${HTTP:-0} == 1 ]]; then start_checks node1; start_checks node2; fi
mib() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }
declare -A first last max
for ((t = 0; t <= MINUTES * 60; t += 10)); do
  (( t == 0 )) || sleep 10
  for node in node1 node2; do
    s=$(sample "$node") || { echo "$node: keeper is not running" >&2; exit 1; }
    read -r rss _ <<< "$s"
    (( t == 60 )) && first[$node]=$s   # CPU and probes are counted from the end of the first minute
    last[$node]=$s
    (( rss > ${max[$node]:-0} )) && max[$node]=$rss
    (( t % 60 == 0 )) && echo "$node minute $((t / 60)): $(mib "$rss") MiB resident"
  done
done
for node in node1 node2; do
  read -r _ cpu0 _ n0 s0 <<< "${first[$node]:-${last[$node]}}"
  read -r rss cpu threads n1 s1 <<< "${last[$node]}"
  line="$node: largest $(mib "${max[$node]}") MiB, last $(mib "$rss") MiB over $MINUTES min; $threads threads"
  (( MINUTES > 1 )) && line+="; CPU $(( (cpu - cpu0) / (MINUTES - 1) )) ms/min after the first minute"
  [[ -n ${n1:-} && $n1 != "${n0:-}" ]] && line+=$(awk -v n=$((n1 - n0)) -v s="$s1" -v s0="$s0" \
    'BEGIN { printf "; %d partner probes, %.2f ms each on average", n, (s - s0) * 1000 / n }')
  echo "$line"
done

# Where the memory goes: node1's keeper again for 60 s with NMT, its summary printed when it stops.
stop_keeper node1
start_keeper node1 "-XX:NativeMemoryTracking=summary -XX:+UnlockDiagnosticVMOptions -XX:+PrintNMTStatistics
  -Xlog:gc+heap+coops=debug -Xlog:class+load=info:file=/tmp/classes.log
  $([[ -n ${CLASSLIST:-} ]] && echo -XX:DumpLoadedClassList=/tmp/keeper.classlist)"
sleep 60
echo "node1 after 60 s with Native Memory Tracking:"
on node1 'pid=$(pgrep -f "^java .*keeper\.jar run")
  heap=$(sed -n "s/.*Heap address: 0x0*\([0-9a-f]*\), size: \([0-9]*\) MB.*/\1 \2/p" /var/log/keeper.log | tail -1)
  su postgres -c "cat /proc/$pid/smaps" | perl -e '"'"'
    my ($hs, $hmb) = split " ", $ARGV[0]; my $h0 = hex($hs); my $h1 = $h0 + $hmb * 1048576;
    my (%kb, $what);
    while (<STDIN>) {
      if (/^([0-9a-f]+)-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/) {
        my ($at, $path) = (hex($1), $2);
        $what = $at >= $h0 && $at < $h1 ? "Java heap (pages touched)"
          : $path =~ /libjvm\.so$/ ? "libjvm.so" : $path =~ /\.jsa$/ ? "class-data sharing archive"
          : $path =~ /\.so(\.|$)/ ? "other shared libraries" : $path =~ /\/modules$/ ? "JDK modules image"
          : $path eq "" ? "other anonymous: metaspace, code, threads, malloc" : "other files";
      } elsif (/^Rss:\s+(\d+)/) { $kb{$what} += $1 }
    }
    my $total = 0; $total += $_ for values %kb;
    printf "  %-50s %5.1f MiB\n", $_, $kb{$_} / 1024 for sort { $kb{$b} <=> $kb{$a} } keys %kb;
    printf "  %-50s %5.1f MiB\n", "resident in all", $total / 1024;
  '"'"' "$heap"
  echo "  threads: $(ls /proc/$pid/task | wc -l); classes loaded: $(grep -c . /tmp/classes.log)" \
    "($(grep -c "shared objects file" /tmp/classes.log) from the CDS archive)"
  kill "$pid"; while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  echo "  committed by the JVM (NMT summary at exit, categories over 100 KB):"
  sed -n "/^Native Memory Tracking:/,\$p" /var/log/keeper.log | perl -ne '"'"'
    printf "    %-28s %5.1f MiB\n", $1, $2 * ($3 ? 1024 : 1) / 1048576
      if /^-\s+(.+?) \(reserved=\d+(?:KB)?, committed=(\d+)(KB)?\)/ && $2 * ($3 ? 1024 : 1) >= 102400'"'"'
  sed -n "s/^ *(classes #\([0-9]*\))/  classes (instance and array) at exit: \1/p" /var/log/keeper.log | tail -1'
if [[ -n ${CLASSLIST:-} ]]; then
  { echo "# keeper: the classes node1's keeper loaded in 60 s of bench/pair-footprint.sh (HTTP=${HTTP:-0}, AUTH=${AUTH:-scram-sha-256}), for conf/keeper-cds"
    on node1 'cat /tmp/keeper.classlist'; } > "$CLASSLIST"
  echo "classes loaded by node1's keeper in 60 s written to $CLASSLIST ($(wc -l < "$CLASSLIST") lines)"
fi

ms=()
for ((i = 1; i <= STARTUPS; i++)); do
  stop_keeper node2; sleep 1; start_keeper node2
  ms+=("$(startup_ms node2)")
done
sorted=$(printf '%s\n' "${ms[@]}" | sort -n | tr '\n' ' ')
printf 'start-up (launch to first look at the local server), %d restarts of node2: median %s ms (%s)\n' "$STARTUPS" \
  "$(printf '%s\n' "${ms[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')" "${sorted% }"
