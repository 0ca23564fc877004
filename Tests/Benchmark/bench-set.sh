# shellcheck shell=bash
# Sourced by bench.sh and bench-shards.sh (which set -euo pipefail and inherit_errexit): the
# benchmark set, generated on first use and cached under $WORK (git-ignored, never
# committed), and the variables that name it.
# Overridable for the smoke tests in `make test`: a tiny input, the debug binary.
BIN=${AUTHSTATS_BIN:-.build/release/authstats}
USERS=${BENCH_USERS:-1000000}
DAYS=${BENCH_DAYS:-60}
WORK=${BENCH_WORK:-.bench}
# The name carries the generator's version: a cached set from an older generator is not reused.
DATA=${BENCH_DATA:-$WORK/exports-v2-$USERS-users-$DAYS-days}
RUNS=${RUNS:-3}
mkdir -p "$WORK"

[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time; }

if [ ! -f "$DATA/.complete" ]; then
  echo "generating the benchmark input in $DATA (once; cached)…"
  rm -rf "$DATA"
  "$BIN" generate --out "$DATA" --users "$USERS" --days "$DAYS" --start 2026-01-01 --activity 0.001 --seed 42 \
    --kinds pinpoint,activity,cloudtrail --newline-delimited --quiet
  # The directory is not part of the timed input; one of these users may be kept already (a
  # set of other days, or regenerated).
  if [ -f "$WORK/users-$USERS/users.csv" ]; then rm -rf "$DATA/users"; else rm -rf "$WORK/users-$USERS" && mv "$DATA/users" "$WORK/users-$USERS"; fi
  find "$DATA" -name '*.gz' -print0 | sort -z | xargs -0 cat | gzip -dc | wc -c > "$DATA/.uncompressed-bytes"
  find "$DATA"/20* -name '*.gz' -print0 | sort -z | xargs -0 cat | gzip -dc | wc -c > "$DATA/.pinpoint-bytes"
  touch "$DATA/.complete"
fi
BYTES=$(cat "$DATA/.uncompressed-bytes")
FILES=$(find "$DATA" -name '*.gz' | wc -l)
