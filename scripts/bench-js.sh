#!/usr/bin/env bash
# The npm package against the engines a user would pick instead, on the neutral
# 21-rule workload of shared/peers-bench (10,000 seeded leads): throughput, the other
# leadscore calls and the session loop, cold start in Node.js, workerd and Deno, a
# page's first score over a slow network, and download sizes. Every engine must give
# the hand-written scores for every lead.
#
#   scripts/bench-js.sh             # everything (about 4 minutes on 2 cores)
#   scripts/bench-js.sh --quick     # fewer runs (a smoke test of the harness)
#   scripts/bench-js.sh throughput|modes|held|chromium|coldstart|workerd|deno|pageload|sizes ...   # some parts only
#
# Works in a scratch copy of the peer benchmark (target/peers-bench, or
# $LEADSCORE_BENCH_DIR) with its own node_modules (npm ci). Builds pkg/ first when it
# is missing (scripts/build-pkg.sh). The workerd and deno parts use the workerd and
# Deno that scripts/test-js.sh installs into tests/js and are skipped without them.
# PEERS_BENCH names the peer benchmark (default: ../shared/peers-bench beside the
# repository, else /work/shared/peers-bench). Figures depend on the machine's load:
# the load average is printed with each table.
#
# leadscore's rule set for the workload is benches/peers/ruleset.json; the adapter
# is benches/peers/leadscore-adapter.mjs (engine.score per lead, as the harness
# calls every engine). Batch calls (scoreMany, scoreManyJson) and the session loop
# do not fit the harness's one-lead-at-a-time contract and are timed by
# benches/peers/leadscore-modes.mjs over the same leads; a backtest re-run (leads
# held in a LeadSet, against the interpreter and the hand-written scorer) by
# benches/peers/lead-set.mjs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf 'bench-js: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

QUICK=0
PARTS=()
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK=1 ;;
        throughput|modes|held|chromium|coldstart|workerd|deno|pageload|sizes) PARTS+=("$arg") ;;
        -h|--help) sed -n '2,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument $arg (see --help)" ;;
    esac
done
(( ${#PARTS[@]} )) || PARTS=(throughput modes held chromium coldstart workerd deno pageload sizes)
want() { [[ " ${PARTS[*]} " == *" $1 "* ]]; }

if (( QUICK )); then RUNS=2; WARMUP=1; MIN_RUN_MS=100; COLD_N=2; SESSION_LEADS=200; else RUNS=5; WARMUP=2; MIN_RUN_MS=300; COLD_N=5; SESSION_LEADS=1000; fi

command -v node >/dev/null || die "node is not installed"
command -v npm >/dev/null || die "npm is not installed"

PEERS="${PEERS_BENCH:-}"
if [[ -z "$PEERS" ]]; then
    for c in "$ROOT/../shared/peers-bench" /work/shared/peers-bench; do
        [[ -f "$c/bench.mjs" ]] && { PEERS="$c"; break; }
    done
fi
[[ -n "$PEERS" && -f "$PEERS/bench.mjs" ]] || die "no peer benchmark (shared/peers-bench): set PEERS_BENCH"
PEERS="$(cd "$PEERS" && pwd)"

[[ -f pkg/package.json ]] || { say "no pkg/: building it"; scripts/build-pkg.sh; }

ADAPTER="$ROOT/benches/peers/leadscore-adapter.mjs"
QUALIFY_ADAPTER="$ROOT/benches/peers/leadscore-qualify-adapter.mjs"
DIR="${LEADSCORE_BENCH_DIR:-$ROOT/target/peers-bench}"
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"

# --- the scratch copy ---------------------------------------------------------
say "peer benchmark $PEERS -> $DIR"
# Sources afresh every time (read-only in shared/), node_modules only when the lock changed.
find "$PEERS" -mindepth 1 -maxdepth 1 ! -name node_modules ! -name results -exec cp -r {} "$DIR/" \;
chmod -R u+w "$DIR"
cd "$DIR"
if [[ ! -d node_modules ]] || ! cmp -s package-lock.json node_modules/.leadscore-lock; then
    say "npm ci in $DIR"
    npm ci --no-audit --no-fund --loglevel=error >&2
    cp package-lock.json node_modules/.leadscore-lock
fi
node workload.mjs >/dev/null     # deterministic (seed 42): the same 10,000 leads every time
node translate.mjs >/dev/null

load() { printf 'load average: %s' "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"; }
STATUS=0
section() { printf '\n## %s (%s)\n\n' "$1" "$(load)"; }

# --- throughput ---------------------------------------------------------------
if want throughput; then
    section "Throughput: 10,000 leads per pass, engines interleaved, medians of $RUNS runs"
    out="$(node --expose-gc bench.mjs --runs "$RUNS" --warmup "$WARMUP" --min-run-ms "$MIN_RUN_MS" \
        --engines "handwritten,neutral-interp,jsonlogic,zen,$ADAPTER,$QUALIFY_ADAPTER" --out results/bench.json \
        | sed -e "s|$QUALIFY_ADAPTER|leadscore (qualify)|" -e "s|$ADAPTER|leadscore|")"
    printf '%s\n' "$out"
    grep -q 'MISMATCH' <<<"$out" && { say "error: an engine disagrees with the hand-written scores"; STATUS=1; }
fi

# --- leadscore's other calls and the session loop -----------------------------
if want modes; then
    section "leadscore calls and the session loop"
    node --expose-gc "$ROOT/benches/peers/leadscore-modes.mjs" --runs "$RUNS" --session-leads "$SESSION_LEADS" || STATUS=1
fi

# --- a backtest re-run: leads held in a LeadSet -----------------------------------
if want held; then
    section "A backtest re-run: the same 10,000 leads scored again, held in a LeadSet or sent as a list"
    ROUNDS=$(( QUICK ? 3 : 9 )) LEADSCORE_BENCH_DIR="$DIR" node "$ROOT/benches/peers/lead-set.mjs" "$ROOT/pkg" || STATUS=1
fi

# --- the same in headless Chromium ----------------------------------------------
if want chromium; then
    section "In headless Chromium: the peers in the same page, leadscore's calls and the session loop"
    node "$ROOT/benches/peers/leadscore-chromium.mjs" --runs "$RUNS" --session-leads "$SESSION_LEADS" || STATUS=1
fi

# --- cold start -----------------------------------------------------------------
if want coldstart; then
    section "Cold start in a fresh Node.js process: import, init, compile the rule set, first score (medians of $COLD_N)"
    node coldstart.mjs --n "$COLD_N" --engines "none,handwritten,neutral-interp,jsonlogic,zen,$ADAPTER" | sed "s|$ADAPTER|leadscore|"
    echo
    echo "leadscore: the adapter imports the package in init(), and Node's entry compiles and instantiates the module as it loads, so the WebAssembly load is the init column; prepare is reading ruleset.json and new Engine(rules) (V8 compiles each wasm function on its first call, so the first calls cost more)."
fi
if want workerd; then
    section "Cold start in workerd (medians of $COLD_N fresh processes)"
    node "$ROOT/benches/peers/workerd-coldstart.mjs" --n "$COLD_N" || STATUS=1
fi

if want deno; then
    DENO="$ROOT/tests/js/node_modules/.bin/deno"
    if [[ -x "$DENO" ]]; then
        section "In Deno: throughput (the peers' bench.mjs run by Deno), medians of $RUNS runs"
        out="$("$DENO" run -A --v8-flags=--expose-gc bench.mjs --runs "$RUNS" --warmup "$WARMUP" --min-run-ms "$MIN_RUN_MS" \
            --engines "handwritten,neutral-interp,jsonlogic,zen,$ADAPTER,$QUALIFY_ADAPTER" --out results/bench-deno.json \
            | sed -e "s|$QUALIFY_ADAPTER|leadscore (qualify)|" -e "s|$ADAPTER|leadscore|")"
        printf '%s\n' "$out"
        grep -q 'MISMATCH' <<<"$out" && { say "error: an engine disagrees with the hand-written scores in Deno"; STATUS=1; }
        section "Cold start in a fresh Deno process (the peers' coldstart.mjs run by Deno, whose children are Deno too; medians of $COLD_N)"
        "$DENO" run -A coldstart.mjs --n "$COLD_N" --engines "none,handwritten,neutral-interp,jsonlogic,$ADAPTER" --out results/coldstart-deno.json \
            | sed "s|$ADAPTER|leadscore|" || STATUS=1
        echo
        "$DENO" --version | head -1
    else
        echo "deno: skipped, Deno is not installed in tests/js (run scripts/test-js.sh once)"
    fi
fi

# --- a page's first score ---------------------------------------------------------
if want pageload; then
    section "A page's first score in headless Chromium, each file delivered after 50 ms"
    node "$ROOT/benches/page-load.mjs" --n "$(( QUICK ? 3 : 11 ))" "$ROOT/pkg" || STATUS=1
fi

# --- sizes ------------------------------------------------------------------------
if want sizes; then
    section "Download sizes: the peers"
    node sizes.mjs
    section "Download sizes: leadscore (scripts/sizes.sh)"
    "$ROOT/scripts/sizes.sh" "$ROOT/pkg"
fi

printf '\n%s\n' "$(load)"
exit "$STATUS"
