#!/usr/bin/env bash
# make bench-shards: the sharded run of issue 16 on the benchmark set of `make bench` (generated
# on first use, cached under .bench/). The set is planned into 2, 4 and 8 shards; each round
# runs one plain `authstats report` over the whole set, then every shard of each plan one
# after another (`report --plan … --shard I --state DIR --state-horizon none`, states under
# .bench/shards/), then the reduce step both ways: `authstats merge` (reports from the states
# merged in memory) and `state merge --into` then `report --state`. RUNS rounds (default 3),
# alternated, medians; wall and CPU (user + sys) from /usr/bin/time. The targets: the shards'
# sum within 10% of the one run (wall), the merge and its report within 15%, merge peak RSS
# ≤ 256 MB. Last, the merged reports are compared with the one run's, table by table.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../.."
source Tests/Benchmark/bench-set.sh
SHARDS=${BENCH_SHARDS:-2 4 8}
OUT="$WORK/shards"
rm -rf "$OUT"
mkdir -p "$OUT"

# timed FILE COMMAND…: runs it, appends "wall cpu rss_kb" to $OUT/FILE.
timed() {
  local file=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$OUT/time.txt" "$@" > /dev/null 2> "$OUT/stderr.txt" || { cat "$OUT/stderr.txt" >&2; return 1; }
  tail -1 "$OUT/time.txt" | awk '{ printf "%.2f %.2f %d\n", $1, $2 + $3, $4 }' >> "$OUT/$file"
}

for n in $SHARDS; do "$BIN" plan "$DATA" --shards "$n" --out "$OUT/plan-$n.json" --quiet; done
echo "sharded runs over $DATA ($FILES files, $(( BYTES / 1000000 )) MB uncompressed), shards $SHARDS, $RUNS rounds…"
for _ in $(seq "$RUNS"); do
  timed one.times "$BIN" report "$DATA" --out "$OUT/one" --quiet
  for n in $SHARDS; do
    states=()
    for (( i = 0; i < n; i++ )); do
      states+=("$OUT/state-$n-$i")
      rm -rf "$OUT/state-$n-$i"
      timed "shards-$n.part" "$BIN" report --plan "$OUT/plan-$n.json" --shard "$i" --state "$OUT/state-$n-$i" \
        --state-horizon none --out "$OUT/unused" --quiet
    done
    # One line for the round: the shards' wall and CPU added, the largest RSS.
    awk '{ w += $1; c += $2; if ($3 > r) r = $3 } END { printf "%.2f %.2f %d\n", w, c, r }' "$OUT/shards-$n.part" >> "$OUT/shards-$n.times"
    rm -f "$OUT/shards-$n.part"
    timed "merge-$n.times" "$BIN" merge "${states[@]}" --out "$OUT/merged-$n"
    rm -rf "$OUT/merged-state-$n"
    timed "state-merge-$n.times" "$BIN" state merge --into "$OUT/merged-state-$n" "${states[@]}"
    timed "state-report-$n.times" "$BIN" report --state "$OUT/merged-state-$n" --out "$OUT/reported-$n" --quiet
  done
done

python3 - "$OUT" "$RUNS" $SHARDS <<'PY'
import sys
out, runs, shards = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def med(name, field):
    values = sorted(float(line.split()[field]) for line in open(f"{out}/{name}.times"))
    return values[(runs + 1) // 2 - 1]
one_wall, one_cpu = med("one", 0), med("one", 1)
print(f"| {'':38} | {'wall s':>7} | {'CPU s':>6} | {'vs one run (wall)':>17} | {'peak RSS MB':>11} |")
print(f"|{'-' * 40}|{'-' * 9}|{'-' * 8}|{'-' * 19}|{'-' * 13}|")
def row(label, wall, cpu, rss, note=""):
    print(f"| {label:38} | {wall:7.2f} | {cpu:6.2f} | {wall / one_wall:8.2f}{note:>9} | {rss / 1024:11.0f} |")
row("one run, report", one_wall, one_cpu, med("one", 2))
for n in shards:
    row(f"{n} shards, sum of shard runs", med(f"shards-{n}", 0), med(f"shards-{n}", 1), med(f"shards-{n}", 2), " (≤ 1.10)")
    row(f"authstats merge, {n} states", med(f"merge-{n}", 0), med(f"merge-{n}", 1), med(f"merge-{n}", 2), " (≤ 0.15)")
    wall = med(f"state-merge-{n}", 0) + med(f"state-report-{n}", 0)
    cpu = med(f"state-merge-{n}", 1) + med(f"state-report-{n}", 1)
    row(f"state merge + report --state, {n}", wall, cpu, max(med(f"state-merge-{n}", 2), med(f"state-report-{n}", 2)))
PY

# The merged reports are the one run's (summary.json and report.html say how they were made).
for n in $SHARDS; do
  for dir in "$OUT/merged-$n" "$OUT/reported-$n"; do
    for table in daily monthly breakdown retention; do
      for ext in csv json; do
        cmp -s "$OUT/one/$table.$ext" "$dir/$table.$ext" || { echo "$dir/$table.$ext differs from one run's" >&2; exit 1; }
      done
    done
  done
done
echo "the reports of every merge equal the one run's (daily, monthly, breakdown, retention; CSV and JSON)"
