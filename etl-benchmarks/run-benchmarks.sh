#!/usr/bin/env bash
# Runs the etlkit JMH benchmarks and summarises them as ratios (see docs/benchmarks.md).
#
#   etl-benchmarks/run-benchmarks.sh [quick|full] [jmh-regex] [extra JMH options...]
#
#   quick  1 fork, warmup 1 x 1 s, measurement 2 x 1 s, default params (10^4 keys): a smoke pass,
#          about 1.5 min for StateLimitBenchmark on 2 cores. Error bars are wide; do not quote it.
#   full   3 forks, warmup 3 x 2 s, measurement 5 x 2 s, 10^4 and 10^6 keys: the results page,
#          about 1 h for StateLimitBenchmark on 2 cores.
#
# ReferenceJobBenchmark (the reference job end to end, one bounded job per invocation) needs more
# warmup than the quick defaults: `quick ReferenceJobBenchmark -wi 5 -i 5` took about 3.5 min on
# 2 cores (2026-11-21). Params it lacks (keyCount) are ignored.
#
# jmh-regex selects benchmarks (default: all of dev.etlkit.benchmarks); extra options go to JMH
# last and win, e.g. `-p backend=ROCKSDB`, `-p valueSize=0,64,512` or `-p keyCount=1000000`.
#
# Writes etl-benchmarks/target/jmh-results.json (JMH JSON),
# etl-benchmarks/target/benchmarks-summary.md (Markdown ratios, the body of docs/benchmarks.md's
# results section) and etl-benchmarks/target/benchmark-charts/<Benchmark.method>.svg (the same
# ratios as bar charts with the targets of BENCHMARKS.md, and records/s per impl). Run it on an
# otherwise idle machine: the host JMH process takes the machine-wide /tmp/jmh.lock, so two runs
# never overlap.
set -euo pipefail

SHOWN_CMD="etl-benchmarks/run-benchmarks.sh${*:+ $*}"
MODE="${1:-quick}"
REGEX="${2:-dev\.etlkit\.benchmarks\..*}"
shift $(($# > 2 ? 2 : $#))

case "$MODE" in
  quick) DEFAULTS=(-f 1 -wi 1 -w 1s -i 2 -r 1s) ;;
  full) DEFAULTS=(-f 3 -wi 3 -w 2s -i 5 -r 2s) ;;
  *)
    echo "usage: $0 [quick|full] [jmh-regex] [extra JMH options...]" >&2
    exit 2
    ;;
esac

# JMH rejects a repeated -f/-wi/-w/-i/-r ("Found multiple arguments"): a mode default is dropped
# when the extra options give the same flag, so those win as documented above.
RUN_OPTS=()
for ((k = 0; k < ${#DEFAULTS[@]}; k += 2)); do
  flag="${DEFAULTS[k]}"
  given=false
  for arg in "$@"; do [[ "$arg" == "$flag" ]] && given=true; done
  $given || RUN_OPTS+=("$flag" "${DEFAULTS[k + 1]}")
done
# JMH appends repeated -p values instead of replacing them: keep the user's key counts alone.
if [[ "$MODE" == full && "$*" != *keyCount=* ]]; then
  RUN_OPTS+=(-p keyCount=10000,1000000)
fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
MODULE="$ROOT/etl-benchmarks"
TARGET="$MODULE/target"
RESULTS="$TARGET/jmh-results.json"
SUMMARY="$TARGET/benchmarks-summary.md"
STARTED=$(date +%s)

cd "$ROOT"
echo "==> Building etl-benchmarks and the modules it needs"
./mvnw -B -q -pl etl-benchmarks -am package -DskipTests

# Written at package time by maven-dependency-plugin (etl-benchmarks/pom.xml): all scopes, so the
# provided Flink jars are on it too. JMH forks inherit java.class.path.
CLASSPATH_FILE="$TARGET/jmh-classpath.txt"
[[ -s "$CLASSPATH_FILE" ]] || { echo "missing $CLASSPATH_FILE" >&2; exit 1; }
CP="$TARGET/classes:$(cat "$CLASSPATH_FILE")"

# Forks keep RocksDB files and Flink's temp files under target/tmp.
FORK_TMP="$TARGET/tmp"
rm -rf "$FORK_TMP"
mkdir -p "$FORK_TMP"

# A full pass adds 10^6 keys to every benchmark, and some trials refuse that set-up (Scd2Benchmark
# with 10 or 100 versions per key would not fit the heap): the full pass skips a failing trial (JMH
# prints its error) and goes on to the summary; a quick pass stops at the first failure.
FAIL_ON_ERROR=true
[[ "$MODE" == full ]] && FAIL_ON_ERROR=false
JMH_CMD=(java -cp "$CP" org.openjdk.jmh.Main "$REGEX" "${RUN_OPTS[@]}"
  -prof gc -prof dev.etlkit.benchmarks.FiguresProfiler -foe "$FAIL_ON_ERROR" -rf json -rff "$RESULTS"
  -jvmArgsAppend "-Djava.io.tmpdir=$FORK_TMP" "$@")

echo "==> Running JMH ($MODE): $SHOWN_CMD"
"${JMH_CMD[@]}"

ELAPSED=$(($(date +%s) - STARTED))
echo "==> Summarising $RESULTS"
RUN_INFO="$(date -u +%Y-%m-%d), $(nproc) cores ($(uname -m), $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//' || echo '?')), $((ELAPSED / 60)) min $((ELAPSED % 60)) s including the build."
java -cp "$CP" dev.etlkit.benchmarks.BenchmarkReport "$RESULTS" "$SUMMARY" \
  --note "**${MODE} pass**, $RUN_INFO" \
  --note "Command: \`$SHOWN_CMD\`"

CHARTS="$TARGET/benchmark-charts"
echo "==> Drawing charts into $CHARTS"
java -cp "$CP" dev.etlkit.benchmarks.BenchmarkCharts "$RESULTS" "$CHARTS" \
  --note "${MODE} pass, $RUN_INFO" --note "Command: $SHOWN_CMD"
echo "==> Done in $((ELAPSED / 60)) min $((ELAPSED % 60)) s: $SUMMARY, $CHARTS/"
