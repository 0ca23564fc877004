#!/usr/bin/env bash
# make bench: authstats (release) against `gzip -dc` on the same generated exports, in one run.
#
# The input (~1 GB uncompressed Pinpoint event stream, gzip, Firehose layout) is generated on
# first use and cached under .bench/ (git-ignored); it is never committed. Each tool runs
# RUNS times; the table shows the median wall time, throughput in uncompressed MB/s (10^6
# bytes), events/s and peak RSS (from /usr/bin/time -v).
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=.build/release/authstats
DATA=.bench/pinpoint-120k-users-60-days
RUNS=${RUNS:-3}
USERS=${BENCH_USERS:-120000}

[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time; }

if [ ! -f "$DATA/.complete" ]; then
  echo "generating the benchmark input in $DATA (once; cached)…"
  rm -rf "$DATA"
  "$BIN" generate --out "$DATA" --users "$USERS" --days 60 --start 2026-01-01 --activity 0.002 --seed 42 --quiet
  find "$DATA" -name '*.gz' -print0 | sort -z | xargs -0 cat | gzip -dc | wc -c > "$DATA/.uncompressed-bytes"
  touch "$DATA/.complete"
fi
BYTES=$(cat "$DATA/.uncompressed-bytes")
FILES=$(find "$DATA" -name '*.gz' | wc -l)
COMPRESSED=$(du -sb "$DATA" | cut -f1)

# run LABEL COMMAND…: prints "wall_seconds max_rss_kb" of the median run (by wall time).
measure() {
  local results=()
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o .bench/time.txt "$@" > /dev/null
    results+=("$(cat .bench/time.txt)")
  done
  printf '%s\n' "${results[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}

gunzip_all() { find "$DATA" -name '*.gz' -print0 | sort -z | xargs -0 gzip -dc; }
export -f gunzip_all
export DATA

read -r AS_WALL AS_RSS < <(measure "$BIN" report "$DATA" --out .bench/reports --quiet)
EVENTS=$(python3 -c "import json;print(json.load(open('.bench/reports/summary.json'))['totals']['events'])")
read -r GZ_WALL GZ_RSS < <(measure bash -c gunzip_all)

row() {  # name wall rss
  python3 - "$@" "$BYTES" "$EVENTS" <<'PY'
import sys
name, wall, rss, size, events = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
wall = max(wall, 0.01)
ev = f"{events / wall:,.0f}" if name.startswith("authstats") else "-"
print(f"| {name:<22} | {wall:8.2f} | {size / wall / 1e6:8.1f} | {ev:>12} | {rss / 1024:8.1f} |")
PY
}

echo
echo "input: $FILES gzip objects, $(( COMPRESSED / 1000000 )) MB compressed, $(( BYTES / 1000000 )) MB uncompressed, $EVENTS events; median of $RUNS runs; $(nproc) cores; $(date -u +%Y-%m-%d)"
echo
echo "| tool                   |   wall s |     MB/s |     events/s |   RSS MB |"
echo "|------------------------|----------|----------|--------------|----------|"
row "authstats report" "$AS_WALL" "$AS_RSS"
row "gzip -dc > /dev/null" "$GZ_WALL" "$GZ_RSS"
python3 -c "print(f'\nauthstats / gzip -dc throughput: {float($GZ_WALL) / max(float($AS_WALL), 0.01):.2f}x')"
