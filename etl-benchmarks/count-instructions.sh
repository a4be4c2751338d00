#!/usr/bin/env bash
# Counts the machine instructions one JMH benchmark executes per record, under valgrind's callgrind
# (see docs/benchmarks.md, "Instructions per record").
#
#   etl-benchmarks/count-instructions.sh <benchmark class> <method> [param=value...]
#   e.g. etl-benchmarks/count-instructions.sh enrich.EnrichAsyncCachedBenchmark enrich impl=ETLKIT
#
# The class is relative to dev.etlkit.benchmarks (or fully qualified). Params are the benchmark's
# @Param fields, one value each. Environment: WARMUP invocations before measuring (default 2000),
# MEASURED invocations per round (300), ROUNDS (4), CALLGRIND_OPTS extra callgrind options (for
# example "--cache-sim=yes --branch-sim=yes": simulated cache misses and branch mispredictions,
# printed per record beside the instructions), JVM_OPTS extra JVM options (for example
# "-XX:+UnlockDiagnosticVMOptions -XX:+PrintInlining": the JVM's output goes to driver.out in the
# run's folder), SKIP_BUILD=1 to use the classes already built.
#
# Needs valgrind (Debian: apt-get install valgrind). callgrind counts the same instructions for
# the same code and input whatever else the machine does, so this needs no idle machine; it runs
# about 50 times slower than natively (about 2 min for the example). It measures work, not time:
# read it beside the JMH figures, never instead of them.
#
# How: InstructionCountDriver runs the benchmark in one JVM with -Xbatch (every JIT compilation
# completes in the warm-up, where it is triggered) and the flags of the benchmark's @Fork. Before
# each round the script zeroes callgrind's counters (callgrind_control -z), after it dumps them
# (callgrind_control -d). Round 1 may still include a late compilation; the rounds after it should
# agree to within a few tenths of a per cent, and the script says so if they do not. Between JVM
# runs the count can differ by more (C2 compiles the same code differently from run to run), so
# compare impls over several runs each.
set -euo pipefail

[[ $# -ge 2 ]] || {
  echo "usage: $0 <benchmark class> <method> [param=value...]" >&2
  exit 2
}
CLASS="$1"
METHOD="$2"
shift 2
[[ "$CLASS" == *.*.*.* ]] || CLASS="dev.etlkit.benchmarks.$CLASS"
WARMUP="${WARMUP:-2000}"
MEASURED="${MEASURED:-300}"
ROUNDS="${ROUNDS:-4}"

command -v valgrind > /dev/null || {
  echo "valgrind is not installed (Debian: apt-get install valgrind)" >&2
  exit 1
}

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET="$ROOT/etl-benchmarks/target"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  echo "==> Building etl-benchmarks and the modules it needs" >&2
  (cd "$ROOT" && ./mvnw -B -q -pl etl-benchmarks -am package -DskipTests)
fi
CP="$TARGET/classes:$(cat "$TARGET/jmh-classpath.txt")"
DRIVER=dev.etlkit.benchmarks.InstructionCountDriver
mapfile -t FORK_ARGS < <(java -cp "$CP" "$DRIVER" --jvm-args "$CLASS")

RUN="$TARGET/instructions/$(date -u +%Y%m%dT%H%M%S)-$$"
mkdir -p "$RUN/tmp"
mkfifo "$RUN/control"
valgrind --tool=callgrind --smc-check=all-non-file \
  --vex-iropt-register-updates=allregs-at-mem-access \
  --callgrind-out-file="$RUN/callgrind.out" ${CALLGRIND_OPTS:-} \
  java "${FORK_ARGS[@]}" -Xbatch ${JVM_OPTS:-} "-Djava.io.tmpdir=$RUN/tmp" -cp "$CP" "$DRIVER" \
  "$CLASS" "$METHOD" "$WARMUP" "$MEASURED" "$ROUNDS" "$@" \
  < "$RUN/control" > "$RUN/driver.out" 2> "$RUN/valgrind.err" &
VALGRIND=$!
exec 3> "$RUN/control"

await() {
  until grep -q "$1" "$RUN/driver.out"; do
    kill -0 "$VALGRIND" 2> /dev/null || {
      echo "the driver stopped; see $RUN/valgrind.err" >&2
      exit 1
    }
    sleep 1
  done
}

# callgrind_control finds the process by its PID (valgrind's, here the same process as the JVM's).
for ((round = 1; round <= ROUNDS; round++)); do
  await "^READY $round\$"
  callgrind_control -z "$VALGRIND" > /dev/null 2>&1
  echo go >&3
  await "^DONE $round "
  callgrind_control -d "round$round" "$VALGRIND" > /dev/null 2>&1
  echo next >&3
done
exec 3>&-
wait "$VALGRIND"

# Self cost per object file of a dump: compiled and interpreted Java code (callgrind sees it as
# "???", code without a file), libjvm.so (the JVM itself: the collector, the JIT compilers, the
# runtime) and other native code (libc, ...).
SPLIT='
function define(spec,   id, name, p) {
  p = index(spec, ")"); id = substr(spec, 2, p - 2); name = substr(spec, p + 2)
  if (name != "") names[id] = name
  return id
}
/^ob=/ { current = names[define(substr($0, 4))]; next }
/^cob=/ { define(substr($0, 5)); next }
/^calls=/ { skip = 1; next }
/^[0-9+*-]/ {
  if (skip) { skip = 0; next }
  if (current == "???") java += $2; else if (current ~ /libjvm[.]so$/) jvm += $2; else other += $2
}
END { printf "%.0f %.0f %.0f\n", java, jvm, other }'

echo "$CLASS.$METHOD $* (warm-up $WARMUP, $MEASURED invocations per round)"
PREVIOUS=""
for ((round = 1; round <= ROUNDS; round++)); do
  RECORDS=$(awk -v r="$round" '$1 == "DONE" && $2 == r { print $3 }' "$RUN/driver.out")
  DUMP=$(grep -l "^desc: Trigger: .*round$round\$" "$RUN"/callgrind.out.* | head -1)
  # "totals" is the sum of the dump's cost lines, the same lines SPLIT reads ("summary" can differ
  # from it in a round where a compilation was under way while the counters were zeroed).
  TOTAL=$(awk '/^totals:/ { print $2; exit }' "$DUMP")
  PER_RECORD=$(awk -v t="$TOTAL" -v n="$RECORDS" 'BEGIN { printf "%.1f", t / n }')
  read -r JAVA JVM OTHER < <(awk "$SPLIT" "$DUMP")
  PARTS=$(awk -v j="$JAVA" -v v="$JVM" -v o="$OTHER" -v n="$RECORDS" \
    'BEGIN { printf "Java code %.1f, JVM %.1f, other native %.1f", j / n, v / n, o / n }')
  NOTE=""
  if [[ -n "$PREVIOUS" && $round -gt 2 ]]; then
    NOTE=$(awk -v a="$PREVIOUS" -v b="$PER_RECORD" \
      'BEGIN { d = (b - a) / a; if (d < 0) d = -d; if (d > 0.005) print "  (differs from the round before by more than 0.5 %)" }')
  fi
  echo "round $round: $RECORDS records, $PER_RECORD instructions/record ($PARTS)$NOTE"
  # With simulations on, every other event per record too (cache misses, branch mispredictions).
  awk -v n="$RECORDS" '/^events:/ { for (i = 2; i <= NF; i++) name[i] = $i }
    /^totals:/ && NF > 2 { line = "  per record:"
      for (i = 3; i <= NF; i++) line = line sprintf(" %s %.2f", name[i], $i / n); print line }' "$DUMP"
  PREVIOUS="$PER_RECORD"
done
echo "callgrind dumps: $RUN"
