#!/usr/bin/env bash
# make bench: authstats (release) against `gzip -dc` and DuckDB on the same generated exports,
# measured in one run. Not part of CI.
#
# The input (Pinpoint event stream, Cognito user activity logs and CloudTrail of 1,000,000
# users over 60 days, gzip, in their S3 layouts; several GB uncompressed) is generated on
# first use and cached under .bench/ (git-ignored); it is never committed. Each command runs
# RUNS times (default 3); the table shows the median wall time, throughput in uncompressed
# MB/s (10^6 bytes/s), events/s and peak RSS (/usr/bin/time -v).
#
# DuckDB (PyPI `duckdb`, installed into .bench/venv when missing; skipped with a message if
# it cannot be) computes sign-ins and distinct active users per UTC day from the Pinpoint
# objects alone, with 2 threads, twice: with an explicit schema (Tests/Benchmark/duckdb_query.sql)
# and with the schema detected by DuckDB (Tests/Benchmark/duckdb_query_auto.sql).
#
# With segments: the same input plus the user directory of its users (users.csv, generated
# once beside it) and the three segments of sample-logs/segments.json, against the default run.
#
# Then two checks of the issue's other targets: peak RSS for the same users with about 10x
# the events (generated, cached), and one large .gz read with the default jobs (CPU% above
# 100 means inflating and parsing overlap on two cores).
set -euo pipefail
cd "$(dirname "$0")/../.."

# Overridable for the smoke test in `make test`: a tiny input, the debug binary, no DuckDB.
BIN=${AUTHSTATS_BIN:-.build/release/authstats}
USERS=${BENCH_USERS:-1000000}
DAYS=${BENCH_DAYS:-60}
WORK=${BENCH_WORK:-.bench}
# The name carries the generator's version: a cached set from an older generator is not reused.
DATA=${BENCH_DATA:-$WORK/exports-v2-$USERS-users-$DAYS-days}
RUNS=${RUNS:-3}
DUCKDB=${BENCH_DUCKDB:-1}
# The memory check: the same MEM_USERS users over 30 days at two activity levels (about 10x
# the events apart), and one large .gz of SINGLE_MB uncompressed MB from the Pinpoint objects.
MEM_USERS=${BENCH_MEM_USERS:-100000}
SINGLE_MB=${BENCH_SINGLE_MB:-1000}
JOBS=$(nproc)
mkdir -p "$WORK"

[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time; }

if [ ! -f "$DATA/.complete" ]; then
  echo "generating the benchmark input in $DATA (once; cached)…"
  rm -rf "$DATA"
  "$BIN" generate --out "$DATA" --users "$USERS" --days "$DAYS" --start 2026-01-01 --activity 0.001 --seed 42 \
    --kinds pinpoint,activity,cloudtrail --newline-delimited --quiet
  mv "$DATA/users" "$WORK/users-$USERS"  # the directory is not part of the timed input
  find "$DATA" -name '*.gz' -print0 | sort -z | xargs -0 cat | gzip -dc | wc -c > "$DATA/.uncompressed-bytes"
  find "$DATA"/20* -name '*.gz' -print0 | sort -z | xargs -0 cat | gzip -dc | wc -c > "$DATA/.pinpoint-bytes"
  touch "$DATA/.complete"
fi
BYTES=$(cat "$DATA/.uncompressed-bytes")
PINPOINT_BYTES=$(cat "$DATA/.pinpoint-bytes")
FILES=$(find "$DATA" -name '*.gz' | wc -l)
COMPRESSED=$(du -sb "$DATA" | cut -f1)

# measure COMMAND…: prints "wall_seconds max_rss_kb" of the median run (by wall time).
measure() {
  local results=()
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o $WORK/time.txt "$@" > /dev/null 2> $WORK/stderr.txt || { cat $WORK/stderr.txt >&2; return 1; }
    results+=("$(tail -1 $WORK/time.txt)")
  done
  printf '%s\n' "${results[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}

gunzip_all() { find "$DATA" -name '*.gz' -print0 | sort -z | xargs -0 cat | gzip -dc; }
export -f gunzip_all
export DATA

read -r AS_WALL AS_RSS < <(measure "$BIN" report "$DATA" --out "$WORK/reports" --quiet --jobs "$JOBS")
EVENTS=$(python3 -c "import json;print(json.load(open('$WORK/reports/summary.json'))['totals']['events'])")
USERS_SEEN=$(python3 -c "import json;print(json.load(open('$WORK/reports/summary.json'))['totals']['users'])")
read -r AS1_WALL AS1_RSS < <(measure "$BIN" report "$DATA" --out "$WORK/reports-1" --quiet --jobs 1)

# The directory of the same users (a cached set from before it was kept: made once, from the
# same seed, with a day of events that are thrown away).
DIRECTORY="$WORK/users-$USERS"
if [ ! -f "$DIRECTORY/users.csv" ]; then
  echo "generating the user directory in $DIRECTORY (once; cached)…"
  rm -rf "$WORK/directory-tmp"
  "$BIN" generate --out "$WORK/directory-tmp" --users "$USERS" --days "$DAYS" --start 2026-01-01 --activity 0.00001 --seed 42 --kinds pinpoint --quiet
  rm -rf "$DIRECTORY" && mv "$WORK/directory-tmp/users" "$DIRECTORY" && rm -rf "$WORK/directory-tmp"
fi
read -r SEG_WALL SEG_RSS < <(measure "$BIN" report "$DATA" --out "$WORK/reports-segments" --quiet --jobs "$JOBS" \
  --users "$DIRECTORY/users.csv" --segments sample-logs/segments.json)
read -r GZ_WALL GZ_RSS < <(measure bash -c gunzip_all)

DUCK_WALL=""
if [ "$DUCKDB" = 1 ] && [ ! -x .bench/venv/bin/python ]; then
  python3 -m venv .bench/venv >/dev/null 2>&1 && .bench/venv/bin/pip install -q duckdb >/dev/null 2>&1 \
    || echo "DuckDB: could not install the PyPI package duckdb into .bench/venv; skipping it"
fi
if [ "$DUCKDB" = 1 ] && .bench/venv/bin/python -c "import duckdb" 2>/dev/null; then
  cat > "$WORK/duckdb_run.py" <<PY
import duckdb, sys
con = duckdb.connect()
con.execute("SET threads=2")
query = open(sys.argv[1]).read().replace("PINPOINT_GLOB", "$DATA/20*/*/*/*/*.gz")
rows = con.execute(query).fetchall()
print(len(rows), "days", file=sys.stderr)
PY
  read -r DUCK_WALL DUCK_RSS < <(measure .bench/venv/bin/python "$WORK/duckdb_run.py" Tests/Benchmark/duckdb_query.sql)
  read -r DUCKA_WALL DUCKA_RSS < <(measure .bench/venv/bin/python "$WORK/duckdb_run.py" Tests/Benchmark/duckdb_query_auto.sql)
fi

# Memory: the same users, few and many events (each set generated once, cached).
mem_set() {  # activity → folder
  local dir="$WORK/mem-v2-$MEM_USERS-users-$1"
  if [ ! -f "$dir/.complete" ]; then
    rm -rf "$dir"
    "$BIN" generate --out "$dir" --users "$MEM_USERS" --days 30 --start 2026-01-01 --activity "$1" --seed 5 \
      --kinds pinpoint,activity,cloudtrail --newline-delimited --quiet
    rm -rf "$dir/users"
    touch "$dir/.complete"
  fi
  echo "$dir"
}
MEM_FEW=$(mem_set 0.02)
MEM_MANY=$(mem_set 0.8)
read -r _ FEW_RSS < <(measure "$BIN" report "$MEM_FEW" --out "$WORK/reports-mem" --quiet --jobs "$JOBS")
FEW_EVENTS=$(python3 -c "import json;print(json.load(open('$WORK/reports-mem/summary.json'))['totals']['events'])")
read -r _ MANY_RSS < <(measure "$BIN" report "$MEM_MANY" --out "$WORK/reports-mem" --quiet --jobs "$JOBS")
MANY_EVENTS=$(python3 -c "import json;print(json.load(open('$WORK/reports-mem/summary.json'))['totals']['events'])")

# One large .gz: the first SINGLE_MB MB of the Pinpoint objects, recompressed as one file.
SINGLE="$WORK/single-$SINGLE_MB-MB.ndjson.gz"
if [ ! -f "$SINGLE" ]; then
  # (head stops the decompression early: that SIGPIPE is expected, not a failure.)
  { find "$DATA"/20* -name '*.gz' -print0 | sort -z | xargs -0 cat | gzip -dc 2>/dev/null || true; } \
    | head -c "${SINGLE_MB}000000" | sed '$d' | gzip -6 > "$SINGLE.tmp"
  mv "$SINGLE.tmp" "$SINGLE"
fi
SINGLE_BYTES=$(gzip -dc "$SINGLE" | wc -c)
/usr/bin/time -f "%e %M %P" -o "$WORK/time.txt" "$BIN" report "$SINGLE" --out "$WORK/reports-single" --quiet --jobs "$JOBS"
read -r SINGLE_WALL SINGLE_RSS SINGLE_CPU < "$WORK/time.txt"

row() {  # name wall rss bytes events
  python3 - "$@" <<'PY'
import sys
name, wall, rss, size, events = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
wall = max(wall, 0.01)
ev = f"{int(events) / wall:,.0f}" if events != "-" else "-"
print(f"| {name:<34} | {wall:8.2f} | {size / wall / 1e6:8.1f} | {ev:>12} | {rss / 1024:8.1f} |")
PY
}

echo
echo "input: $FILES gzip objects, $(( COMPRESSED / 1000000 )) MB compressed, $(( BYTES / 1000000 )) MB uncompressed" \
     "(Pinpoint $(( PINPOINT_BYTES / 1000000 )) MB), $EVENTS events, $USERS_SEEN users; median of $RUNS runs; $JOBS cores; $(date -u +%Y-%m-%d)"
echo
echo "| command                            |   wall s |     MB/s |     events/s |   RSS MB |"
echo "|------------------------------------|----------|----------|--------------|----------|"
row "authstats report (--jobs $JOBS)" "$AS_WALL" "$AS_RSS" "$BYTES" "$EVENTS"
row "authstats report --jobs 1" "$AS1_WALL" "$AS1_RSS" "$BYTES" "$EVENTS"
row "  + directory, 3 segments" "$SEG_WALL" "$SEG_RSS" "$BYTES" "$EVENTS"
row "gzip -dc > /dev/null" "$GZ_WALL" "$GZ_RSS" "$BYTES" "-"
if [ -n "$DUCK_WALL" ]; then
  row "DuckDB, explicit columns, 2 thr." "$DUCK_WALL" "$DUCK_RSS" "$PINPOINT_BYTES" "-"
  row "DuckDB, read_json_auto, 2 thr." "$DUCKA_WALL" "$DUCKA_RSS" "$PINPOINT_BYTES" "-"
fi
python3 - "$BYTES" "$AS_WALL" "$AS1_WALL" "$GZ_WALL" "$PINPOINT_BYTES" "${DUCK_WALL:-0}" "${DUCKA_WALL:-0}" <<'PY'
import sys
size, wall, wall1, gz, pp = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
duck, ducka = float(sys.argv[6]), float(sys.argv[7])
mine = size / wall
print(f"\nauthstats / gzip -dc throughput: {mine / (size / gz):.2f}x (target 3.0x)")
if duck > 0:
    # The issue's DuckDB peer is docs/performance.md's measurement (194 MB/s against 267 MB/s for
    # gzip -dc: slower than gzip -dc); the schema-detecting query is that kind of run. The
    # explicit four-column schema is printed beside it, with both peers' speed against gzip.
    print(f"authstats / DuckDB, read_json_auto: {mine / (pp / ducka):.2f}x (target 4.0x); "
          f"/ DuckDB, explicit columns: {mine / (pp / duck):.2f}x")
    print(f"DuckDB / gzip -dc throughput:   read_json_auto {(pp / ducka) / (size / gz):.2f}x, explicit columns "
          f"{(pp / duck) / (size / gz):.2f}x (docs/performance.md's peer: 194 / 267 = 0.73x)")
print(f"--jobs {__import__('os').cpu_count()} / --jobs 1:            {wall1 / wall:.2f}x")
PY
python3 -c "print(f'with the directory and 3 segments: {$AS_WALL / max($SEG_WALL, 0.01) * 100:.0f}% of the default run\'s throughput (target 85%), peak RSS {$SEG_RSS / 1024:.0f} MB (target 256)')"
python3 - "$FEW_EVENTS" "$FEW_RSS" "$MANY_EVENTS" "$MANY_RSS" "$MEM_USERS" <<'PY'
import sys
fe, fr, me, mr, users = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
print(f"\npeak RSS, the same {users:,} users: {fe:,} events {fr / 1024:.1f} MB; {me:,} events ({me / fe:.1f}x) "
      f"{mr / 1024:.1f} MB: {100 * (mr - fr) / fr:+.1f}% (target: at most +10% for 10x the events)")
PY
echo "one .gz of $(( SINGLE_BYTES / 1000000 )) MB, --jobs $JOBS: ${SINGLE_WALL} s," \
  "$(python3 -c "print(f'{$SINGLE_BYTES / max($SINGLE_WALL, 0.01) / 1e6:.0f}')") MB/s, CPU ${SINGLE_CPU}, peak RSS $(( SINGLE_RSS / 1024 )) MB" \
  "(above 100% CPU: inflating and parsing overlap)"
