#!/usr/bin/env bash
# 100 cloud copies against the vast-mock binary, each answered 100 ms late:
# `vast batch` (default pacing, and more requests in flight), 100 sequential
# `vast cloud copy` runs, and the official CLI (`vastai`, from PyPI) in a
# loop when it installs. Prints a Markdown table; checks only that every
# `vast batch` copy succeeded (no timing is asserted).
#
#   bash bench/batch.sh            # builds the release binaries first
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100}
DELAY_MS=${DELAY_MS:-100}

cargo build --quiet --release --locked -p vast-cli -p vast-mock
vast=$PWD/target/release/vast
work=$(mktemp -d)
mock_pid=
cleanup() {
    [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

target/release/vast-mock --delay-ms "$DELAY_MS" >"$work/uri" &
mock_pid=$!
while [ ! -s "$work/uri" ]; do sleep 0.05; done
uri=$(head -n1 "$work/uri")
export VAST_API_KEY=bench-key

for i in $(seq 1 "$N"); do
    printf '{"operation":"cloud_copy","instance":%d,"connection":1004,"transfer":"instance_to_cloud","src":"/job/%d","dst":"bucket/job/%d"}\n' \
        "$((6000000 + i))" "$i" "$i"
done >"$work/jobs.jsonl"

now() { date +%s.%N; }
seconds() { echo "$2 - $1" | bc; }
row() { printf '| %s | %.2f |\n' "$1" "$2"; }

echo "| $N cloud copies, each answered ${DELAY_MS} ms late | wall time (s) |"
echo "|---|---:|"

t0=$(now)
"$vast" --url "$uri" batch --quiet "$work/jobs.jsonl" >"$work/out1"
row '`vast batch` (defaults: 1 request in flight per endpoint)' "$(seconds "$t0" "$(now)")"
[ "$(grep -c '"outcome"' "$work/out1")" -eq "$N" ] || { echo "batch: not every copy succeeded" >&2; exit 1; }

t0=$(now)
"$vast" --url "$uri" batch --quiet --concurrency 8 --in-flight 8 "$work/jobs.jsonl" >"$work/out2"
row '`vast batch --concurrency 8 --in-flight 8`' "$(seconds "$t0" "$(now)")"
[ "$(grep -c '"outcome"' "$work/out2")" -eq "$N" ] || { echo "batch: not every copy succeeded" >&2; exit 1; }

t0=$(now)
for i in $(seq 1 "$N"); do
    "$vast" --url "$uri" cloud copy --instance "$((6000000 + i))" --connection 1004 \
        --src "/job/$i" --dst "bucket/job/$i" >/dev/null
done
row "$N sequential \`vast cloud copy\` runs" "$(seconds "$t0" "$(now)")"

if python3 -m venv "$work/venv" >/dev/null 2>&1 &&
    "$work/venv/bin/pip" install --quiet --disable-pip-version-check vastai >/dev/null 2>&1; then
    version=$("$work/venv/bin/pip" show vastai 2>/dev/null | sed -n 's/^Version: //p')
    t0=$(now)
    for i in $(seq 1 "$N"); do
        "$work/venv/bin/vastai" --url "$uri" --api-key bench-key cloud copy \
            --instance "$((6000000 + i))" --connection 1004 --transfer "Instance To Cloud" \
            --src "/job/$i" --dst "bucket/job/$i" >/dev/null 2>&1 || true
    done
    row "$N sequential \`vastai cloud copy\` runs (vastai $version)" "$(seconds "$t0" "$(now)")"
else
    echo "| the official CLI loop | vastai did not install here |"
fi
