#!/usr/bin/env bash
# make bench-shards: the sharded run of issue 16 on the benchmark set of `make bench` (generated
# on first use, cached under .bench/). The set is planned into 2, 4 and 8 shards. Each round
# runs, for each plan: one plain `authstats report` over the whole set, then every shard of the
# plan one after another (`report --plan … --shard I --state DIR --state-horizon none`, the
# states on disk under .bench/bench-shards/), then the plain run again, then the reduce step
# both ways: `authstats merge` (reports from the states merged in memory) and `state merge
# --into` then `report --state`. Each ratio is taken within its round, against the mean of the
# plain runs before and after the shards (this machine's speed drifts by 10–30% within
# minutes: a plain run on one side alone tilted the ratio whichever way the drift went), then
# the median and the range over RUNS rounds (default 3); wall and CPU (user + sys) from
# /usr/bin/time. The targets: the shards' sum within 10% of one run (wall), `authstats merge`
# within 15%, its peak RSS ≤ 256 MB. Last, every merge's reports are compared with the plain
# run's, file by file. The states are removed after each plan (about 350 MB a plan).
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../.."
source Tests/Benchmark/bench-set.sh
read -ra SHARDS <<< "${BENCH_SHARDS:-2 4 8}"
for n in "${SHARDS[@]}"; do [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "BENCH_SHARDS: not a number of shards: $n" >&2; exit 64; }; done
(( RUNS > 0 )) || { echo "RUNS must be at least 1" >&2; exit 64; }
# Its own folder, removed only when it holds the mark this script leaves in it.
OUT="$WORK/bench-shards"
if [ -e "$OUT" ]; then
  [ -f "$OUT/.bench-shards" ] || { echo "$OUT exists and is not this benchmark's folder; move it away" >&2; exit 1; }
  rm -rf "$OUT"
fi
mkdir -p "$OUT" && touch "$OUT/.bench-shards"

# timed FILE COMMAND…: runs it, appends "wall cpu rss_kb" to $OUT/FILE; on failure says which
# command failed and how (a killed command writes nothing of its own).
timed() {
  local file=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$OUT/time.txt" "$@" > /dev/null 2> "$OUT/stderr.txt" || {
    echo "bench-shards: failed: $*" >&2; cat "$OUT/stderr.txt" "$OUT/time.txt" >&2; return 1; }
  tail -1 "$OUT/time.txt" | awk '{ printf "%.2f %.2f %d\n", $1, $2 + $3, $4 }' >> "$OUT/$file"
}

# added NAME: the commands timed into NAME.part as one line of NAME.times, the round's: their
# wall and CPU added, the largest RSS.
added() {
  awk '{ w += $1; c += $2; if ($3 > r) r = $3 } END { printf "%.2f %.2f %d\n", w, c, r }' "$OUT/$1.part" >> "$OUT/$1.times"
  rm -f "$OUT/$1.part"
}

for n in "${SHARDS[@]}"; do "$BIN" plan "$DATA" --shards "$n" --out "$OUT/plan-$n.json" --quiet; done
echo "sharded runs over $DATA ($FILES files, $(( BYTES / 1000000 )) MB uncompressed), shards ${SHARDS[*]}, $RUNS rounds…"
# Once untimed: the set in the page cache, the binary loaded, for the first timed run as for the rest.
"$BIN" report "$DATA" --out "$OUT/warm-up" --quiet
for _ in $(seq "$RUNS"); do
  for n in "${SHARDS[@]}"; do
    timed "one-$n.times" "$BIN" report "$DATA" --out "$OUT/one" --quiet
    states=()
    for (( i = 0; i < n; i++ )); do
      states+=("$OUT/state-$n-$i")
      timed "shards-$n.part" "$BIN" report --plan "$OUT/plan-$n.json" --shard "$i" --state "$OUT/state-$n-$i" \
        --state-horizon none --out "$OUT/unused" --quiet
    done
    added "shards-$n"
    timed "one-after-$n.times" "$BIN" report "$DATA" --out "$OUT/one" --quiet
    timed "merge-$n.times" "$BIN" merge "${states[@]}" --out "$OUT/merged-$n"
    timed "state-merge-$n.part" "$BIN" state merge --into "$OUT/merged-state-$n" "${states[@]}"
    timed "state-merge-$n.part" "$BIN" report --state "$OUT/merged-state-$n" --out "$OUT/reported-$n" --quiet
    added "state-merge-$n"
    rm -rf "$OUT/merged-state-$n" "${states[@]}"
    # The merges' reports are the plain run's (summary.json and report.html say how they were made).
    for dir in "$OUT/merged-$n" "$OUT/reported-$n"; do
      for file in daily.csv daily.json monthly.csv monthly.json breakdown.csv breakdown.json retention.csv retention.json rejects.ndjson; do
        cmp -s "$OUT/one/$file" "$dir/$file" || { echo "$dir/$file differs from the one run's" >&2; exit 1; }
      done
    done
  done
done

python3 - "$OUT" "${SHARDS[@]}" <<'PY'
import statistics, sys
out, shards = sys.argv[1], sys.argv[2:]
def rows(name):
    return [[float(v) for v in line.split()] for line in open(f"{out}/{name}.times")]
def spread(values, fmt):
    return f"{statistics.median(values):{fmt}} ({min(values):{fmt}}–{max(values):{fmt}})"
print(f"| {'':31} | {'wall s, median (range)':>24} | {'CPU s':>6} | {'vs the plain runs beside':>24} | {'peak RSS MB':>11} |")
print(f"|{'-' * 33}|{'-' * 26}|{'-' * 8}|{'-' * 26}|{'-' * 13}|")
for n in shards:
    # The plain runs on either side of the round's shards, averaged (wall, CPU; the larger RSS).
    one = [[(b[0] + a[0]) / 2, (b[1] + a[1]) / 2, max(b[2], a[2])] for b, a in zip(rows(f"one-{n}"), rows(f"one-after-{n}"))]
    def row(label, name, target=""):
        runs = one if name is None else rows(name)
        ratios = [r[0] / max(o[0], 0.01) for r, o in zip(runs, one)]
        rss = max(r[2] for r in runs) / 1024
        print(f"| {label:31} | {spread([r[0] for r in runs], '.2f'):>24} | {statistics.median(r[1] for r in runs):6.2f} "
              f"| {spread(ratios, '.2f') + target:>24} | {rss:11.0f} |")
    row("one run (mean of before, after)", None)
    row(f"{n} shards, sum of shard runs", f"shards-{n}", " ≤1.10")
    row(f"authstats merge, {n} states", f"merge-{n}", " ≤0.15")
    row(f"state merge + report --state, {n}", f"state-merge-{n}")
print("targets: shards' sum ≤ 1.10 and authstats merge ≤ 0.15 of the one run, merge peak RSS ≤ 256 MB")
PY
echo "the reports of every merge equal the one run's (daily, monthly, breakdown, retention: CSV and JSON; rejects)"
