#!/usr/bin/env bash
# Smoke-runs every fuzz target for FUZZ_SECONDS (default 30) each, seeded
# from fuzz/seeds/<target>/; fails if any target finds a crash (a panic or
# a violated property). Run from anywhere, e.g. `bash fuzz/smoke.sh` at the
# repository root; FUZZ_TARGETS="verify body_canon" runs only those.
#
# It also runs `cargo test` of this crate on the stable toolchain: the
# replay test (tests/replay.rs) puts every seed and every kept crash
# (fuzz/regressions/) through its target's property check. That build
# happens in the background while the targets run, in a target directory of
# its own (fuzz/target/replay, so that it never waits for cargo-fuzz's
# lock), so the smoke run takes about as long as the fuzzing alone.
#
# cargo-fuzz needs nightly-only rustc flags (-Zsanitizer=address, ...). On
# stable, RUSTC_BOOTSTRAP=1 unlocks them, for cargo-fuzz's builds only.
set -euo pipefail

cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
FUZZ_SECONDS=${FUZZ_SECONDS:-30}

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

# cargo fuzz wants to run from the crate that holds fuzz/ (the repository
# root) or from fuzz/ itself; run from the root so paths read as documented.
cd ..
read -r -a targets <<<"${FUZZ_TARGETS:-$(cargo fuzz list | tr '\n' ' ')}"
cargo fuzz build

replay=(env -u RUSTC_BOOTSTRAP CARGO_TARGET_DIR=fuzz/target/replay cargo test --manifest-path fuzz/Cargo.toml)
replay_log=$(mktemp)
"${replay[@]}" --no-run >"$replay_log" 2>&1 &
replay_build=$!

failed=()
for target in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$target" "fuzz/seeds/$target"
    echo "=== $target (${FUZZ_SECONDS}s)"
    if ! cargo fuzz run "$target" "fuzz/corpus/$target" "fuzz/seeds/$target" -- \
        -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -print_final_stats=1; then
        failed+=("$target")
    fi
done

echo "=== replay: every seed and kept crash through its property check (stable)"
if ! wait "$replay_build"; then
    cat "$replay_log" >&2
fi
rm -f "$replay_log"
if ! "${replay[@]}"; then
    failed+=("replay (cargo test)")
fi

if ((${#failed[@]})); then
    echo "smoke.sh: failures in: ${failed[*]} (fuzzing crash inputs are under fuzz/artifacts/)" >&2
    exit 1
fi
echo "smoke.sh: ${#targets[@]} targets, no crash; every seed replayed"
