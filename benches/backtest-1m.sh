#!/usr/bin/env bash
# The backtest aim of docs/PERFORMANCE.md: a million sample leads (about 25 events
# each) backtested by the CLI on every core. Writes the sample once (1.8 GB) to
# ${BACKTEST_SAMPLE:-target/backtest/sample-1m.ndjson}, then times the backtest
# (wall, CPU, peak memory) with the load average before and after.
#
#   benches/backtest-1m.sh [leads]
set -euo pipefail
cd "$(dirname "$0")/.."
leads="${1:-1000000}"
sample="${BACKTEST_SAMPLE:-target/backtest/sample-$leads.ndjson}"
cargo build -q --release --features cli
mkdir -p "$(dirname "$sample")"
[[ -s "$sample" ]] || target/release/leadscore sample --leads "$leads" --seed 1 --out "$sample"
cat "$sample" > /dev/null # from the page cache, as a re-run reads it
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/time -f "wall %e s, CPU %U s user + %S s system, %P, peak %M KB" \
    target/release/leadscore backtest --rules examples/b2b-saas/ruleset.json --history "$sample" \
    --now 2026-12-01T00:00:00Z > /dev/null
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
