#!/usr/bin/env bash
# Fuzzes leadscore with cargo-fuzz (libFuzzer): the targets in fuzz/fuzz_targets/,
# described in fuzz/README.md. Installs cargo-fuzz when it is missing.
#
#   scripts/fuzz.sh [target] [seconds]  # fuzz one target (every one, in turn, when
#                                       # none is named) for that long (default 300 s),
#                                       # growing fuzz/corpus/<target>
#   scripts/fuzz.sh --smoke             # every target for a few seconds from its
#                                       # corpus, which it leaves as it is; fails when
#                                       # one crashes (the test command runs this)
#   scripts/fuzz.sh --cmin [target]     # minimize the corpora (cargo fuzz cmin)
#   scripts/fuzz.sh --seed              # seed the corpora from examples/ and
#                                       # tests/cases/ (fuzz/seed.py), then minimize
#
# The machine has stable Rust only: RUSTC_BOOTSTRAP=1 lets it take the nightly flags
# cargo-fuzz passes (-Zsanitizer, -Cpasses=sancov-module). The targets are built
# without a sanitizer (FUZZ_SANITIZER=address for AddressSanitizer): leadscore has no
# unsafe code, and without one the targets run about five times faster. Crashes are
# written to fuzz/artifacts/<target>/; `cargo fuzz fmt` shows one (see fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
ensure_cargo_fuzz

export RUSTC_BOOTSTRAP=1
# The fuzz builds (other flags, their own workspace) stay apart from the project's.
export CARGO_TARGET_DIR="$LEADSCORE_ROOT/fuzz/target"
SANITIZER="${FUZZ_SANITIZER:-none}"
# Inputs that take this long are hangs; more memory than this is a leak or a bomb.
LIMITS=(-timeout=10 -rss_limit_mb=2048)

targets() { (cd fuzz && cargo fuzz list); }

# Keeps the fewest inputs that reach every edge the corpus reaches (a set cover,
# hit counts left out): a few hundred small files a target, where keeping every
# feature kept thousands.
cmin() {
  (cd fuzz && cargo fuzz cmin -s "$SANITIZER" "$1" "corpus/$1" -- "${LIMITS[@]}" -set_cover_merge=1 -use_counters=0)
}

build() { (cd fuzz && cargo fuzz build -s "$SANITIZER" "$@"); }

# fuzz TARGET SECONDS [libFuzzer options...]: new inputs go into fuzz/corpus/TARGET.
fuzz() {
  local target="$1" seconds="$2"
  shift 2
  mkdir -p "fuzz/corpus/$target"
  (cd fuzz && cargo fuzz run -s "$SANITIZER" "$target" "corpus/$target" -- \
    "${LIMITS[@]}" -max_total_time="$seconds" -print_final_stats=1 "$@")
}

case "${1:-}" in
  --smoke)
    # About 6 s a target after the build; the corpus is read, not written (new
    # inputs go to a scratch folder), and the seed is fixed so that a run repeats.
    build
    scratch="$(mktemp -d)"
    trap 'rm -rf "$scratch"' EXIT
    for target in $(targets); do
      mkdir -p "$scratch/$target"
      echo "== fuzz smoke: $target" >&2
      (cd fuzz && cargo fuzz run -s "$SANITIZER" "$target" "$scratch/$target" "corpus/$target" -- \
        "${LIMITS[@]}" -max_total_time=5 -seed=1 2>"$scratch/$target.log") || {
        sed -n '/panicked at/,/stack backtrace/p' "$scratch/$target.log" | head -n 40 >&2
        tail -n 5 "$scratch/$target.log" >&2
        echo "error: fuzz target $target crashed; the input is in fuzz/artifacts/$target/" >&2
        exit 1
      }
      grep -E '^Done [0-9]+ runs' "$scratch/$target.log" >&2 || true
    done
    ;;
  --cmin)
    for target in ${2:-$(targets)}; do
      cmin "$target"
    done
    ;;
  --seed)
    python3 fuzz/seed.py
    for target in $(targets); do
      cmin "$target"
    done
    ;;
  -*)
    sed -n '2,22p' "$0" >&2
    exit 2
    ;;
  *)
    seconds="${2:-300}"
    for target in ${1:-$(targets)}; do
      fuzz "$target" "$seconds"
    done
    ;;
esac
