#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets of Tests/Fuzz, builds their seed corpus from
# sample-logs/, and runs each target for FUZZ_SECONDS, then prints per target: executions,
# crashes, timeouts, out-of-memory. Run from the package root.
#
#   FUZZ_SECONDS=600      seconds per target
#   FUZZ_TARGETS=all      or a list: "FuzzFramer FuzzIngest" (the "Fuzz" prefix may be left out)
#   FUZZ_OUT=.fuzz        corpus/<Target> (kept and grown from run to run), seeds/<Target>,
#                         crashes/<Target> (crash-*, timeout-*, oom-* inputs), logs/<Target>.log
#   FUZZ_BUILD=.build-fuzz
#   AUTHSTATS_FUZZ_RANGE  e.g. 2026-10-01..2026-12-31: a fixed report range for the pipeline
#                         targets (see FuzzSupport/Pipeline.swift); unset: the data's own range.
#
# Each target runs in libFuzzer's fork mode with crashes, timeouts and out-of-memory ignored,
# so one finding does not end the campaign: every finding is saved and the run goes on.
# Exit status: 0 when no target found anything, 1 when one did, 2 when the build failed.
set -uo pipefail

FUZZ_SECONDS=${FUZZ_SECONDS:-600}
FUZZ_TARGETS=${FUZZ_TARGETS:-all}
FUZZ_OUT=${FUZZ_OUT:-.fuzz}
FUZZ_BUILD=${FUZZ_BUILD:-.build-fuzz}
SWIFT=${SWIFT:-swift}
here=Tests/Fuzz

echo "building the fuzz targets (-sanitize=fuzzer,address) into $FUZZ_BUILD"
mkdir -p "$FUZZ_OUT/logs"
$SWIFT build -c release --package-path "$here" --scratch-path "$FUZZ_BUILD" -Xswiftc -sanitize=fuzzer,address \
  >"$FUZZ_OUT/logs/build.log" 2>&1
built=$?
# gold warns once per ASan symbol it cannot export; those lines are noise.
grep -v "Cannot export local symbol" "$FUZZ_OUT/logs/build.log" | tail -20
[ "$built" = 0 ] || { echo "building the fuzz targets failed (log: $FUZZ_OUT/logs/build.log)" >&2; exit 2; }
bin=$($SWIFT build -c release --package-path "$here" --scratch-path "$FUZZ_BUILD" --show-bin-path 2>/dev/null)

# Every Sources/Fuzz*/ folder but the support library is a target.
all_targets=$(cd "$here/Sources" && ls -d Fuzz*/ | tr -d / | grep -v '^FuzzSupport$')
if [ "$FUZZ_TARGETS" = all ]; then
  targets=$all_targets
else
  targets=""
  for name in $FUZZ_TARGETS; do
    match=$(echo "$all_targets" | grep -i -x -e "$name" -e "Fuzz$name" | head -1)
    [ -n "$match" ] || { echo "no fuzz target named $name (targets: $(echo $all_targets))" >&2; exit 64; }
    targets="$targets $match"
  done
fi
for target in $targets; do
  [ -x "$bin/$target" ] || { echo "the build did not make $bin/$target" >&2; exit 2; }
done

echo "building the seed corpus from sample-logs/ into $FUZZ_OUT/seeds"
python3 "$here/seed_corpus.py" sample-logs "$FUZZ_OUT/seeds" || exit 2

# The Swift runtime's own crash reporter would run before ASan's and libFuzzer's, and hide them.
export SWIFT_BACKTRACE=enable=no

summary=()
found=0
for target in $targets; do
  corpus="$FUZZ_OUT/corpus/$target"
  seeds="$FUZZ_OUT/seeds/$target"
  crashes="$FUZZ_OUT/crashes/$target"
  log="$FUZZ_OUT/logs/$target.log"
  mkdir -p "$corpus" "$seeds" "$crashes" "$(dirname "$log")"
  before=$(ls "$crashes" | wc -l)
  echo "fuzzing $target for ${FUZZ_SECONDS}s (log: $log)"
  # -detect_leaks=0: the Swift runtime's caches and the buffer pools look like leaks to
  # libFuzzer's malloc accounting, and the leak checks it then runs make a run ~50x slower.
  "$bin/$target" "$corpus" "$seeds" -dict="$here/json.dict" \
    -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -detect_leaks=0 \
    -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -artifact_prefix="$crashes/" >"$log" 2>&1
  status=$?
  # Fork mode's status lines: `#N: cov: … exec/s: … oom/timeout/crash: O/T/C time: …`.
  last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1)
  execs=$(echo "$last" | sed -E 's/^#([0-9]+):.*/\1/')
  counts=$(echo "$last" | sed -E 's#.*oom/timeout/crash: ([0-9]+)/([0-9]+)/([0-9]+).*#\1 \2 \3#')
  read -r ooms timeouts crashes_seen <<<"${counts:-0 0 0}"
  new=$(($(ls "$crashes" | wc -l) - before))
  line=$(printf '%-18s %12s executions  %3s crashes  %3s timeouts  %3s out-of-memory  (%s new inputs in %s)' \
    "$target" "${execs:-?}" "${crashes_seen:-?}" "${timeouts:-?}" "${ooms:-?}" "$new" "$crashes")
  # 77: libFuzzer found something (counted above); anything else is worth a look in the log.
  [ "$status" = 0 ] || [ "$status" = 77 ] || line="$line; libFuzzer exited with $status"
  echo "$line"
  summary+=("$line")
  if [ "$new" -gt 0 ] || [ "${crashes_seen:-0}" != 0 ] || [ "${timeouts:-0}" != 0 ] || [ "${ooms:-0}" != 0 ]; then found=1; fi
done

echo
echo "fuzz summary (${FUZZ_SECONDS}s per target):"
printf '%s\n' "${summary[@]}"
[ "$found" = 0 ] || echo "rerun a finding: SWIFT_BACKTRACE=enable=no $bin/<Target> <input file>"
exit $found
