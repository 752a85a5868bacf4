#!/usr/bin/env bash
# Runs the fuzz targets of fuzz/ (libFuzzer through cargo-fuzz, on nightly Rust) for SECONDS
# each: `make fuzz` runs them for 5 minutes each, `make test` for a few seconds (smoke).
# Installs nightly and cargo-fuzz when missing. Corpora grow in target/fuzz-corpus/;
# a crash is saved under fuzz/artifacts/ and replayed with
#   cargo +nightly fuzz run --fuzz-dir fuzz TARGET fuzz/artifacts/TARGET/crash-…
set -euo pipefail
secs="${1:-300}"
cd "$(dirname "$0")/.."
target_dir="${TARGET_DIR:-${CARGO_TARGET_DIR:-target}}"
if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version > /dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
for target in decode merge; do
  corpus="$target_dir/fuzz-corpus/$target"
  mkdir -p "$corpus"
  cargo +nightly fuzz run --fuzz-dir fuzz --target-dir "$target_dir/fuzz" "$target" \
    "$corpus" "fuzz/seeds/$target" -- -max_total_time="$secs" -rss_limit_mb=1024 \
    -print_final_stats=1 2>&1 | tee "$target_dir/fuzz-$target.log" | grep -E '^(INFO: Running|#[0-9]+ *DONE|Done|==[0-9]+==|SUMMARY)' || true
  # The pipe hides cargo-fuzz's status: a crash leaves its report in the log.
  if grep -qE 'panicked|deadly signal|ERROR: libFuzzer' "$target_dir/fuzz-$target.log"; then
    tail -40 "$target_dir/fuzz-$target.log"
    echo "fuzz: $target found a failing input (see fuzz/artifacts/$target/)"
    exit 1
  fi
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$target_dir/fuzz-$target.log" | grep -oE '[0-9]+$' || echo 0)
  echo "fuzz: target=$target secs=$secs runs=$runs crashes=0"
done
