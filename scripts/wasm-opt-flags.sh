# wasm-opt's settings for the package's module, sourced by scripts/build-pkg.sh (which
# ships what they make) and scripts/size-by-part.sh (which measures it), so that the
# two cannot drift apart.

# The features Rust enables by default for wasm32-unknown-unknown, which the glue
# relies on (multi-value returns, the externref table).
WASM_FEATURES=(--enable-bulk-memory --enable-mutable-globals --enable-nontrapping-float-to-int
    --enable-sign-ext --enable-reference-types --enable-multivalue)

# -Oz: for size (-O3 instead scores no faster in Node).
# --one-caller-inline-max-function-size: binaryen inlines every function that has a
# single caller, whatever its size; inlining only those of at most 20 instructions
# leaves 809 functions instead of 549 and a module 2.6 KB larger but 3.5 KB smaller
# gzipped (2.3 KB brotli). Speed in Node and the cold start measured the same
# (docs/decisions/0004-wasm-opt-flags.md).
# --low-memory-unused lets wasm-opt fold constant offsets into loads and stores
# (2 KB gzip): Rust's wasm32 layout puts the stack (1 MiB, growing down) at the
# bottom of memory, so the low 1 KiB is touched only by a stack already 1 MiB deep.
WASM_OPT_FLAGS=(-Oz --one-caller-inline-max-function-size=20 --low-memory-unused)
