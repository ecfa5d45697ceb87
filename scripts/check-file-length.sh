#!/usr/bin/env bash
# Fails when a Rust source file under crates/*/src holds more than MAX (500) lines outside its
# `#[cfg(test)]` module: small modules keep the data flow readable (ARCHITECTURE.md). A file that is
# itself a test module (`tests.rs`, `tests_*.rs`, included by `#[cfg(test)] mod ...;`) is all tests.
set -euo pipefail
cd "$(dirname "$0")/.."
MAX=${MAX:-500}
status=0
while IFS= read -r f; do
  case "$(basename "$f")" in tests.rs|tests_*.rs) continue ;; esac
  n=$(awk '/^#\[cfg\(test\)\]/ { exit } { n++ } END { print n + 0 }' "$f")
  if [ "$n" -gt "$MAX" ]; then
    echo "check-file-length: $f has $n lines before its tests (limit $MAX)"
    status=1
  fi
done < <(find crates/*/src -name '*.rs' | sort)
[ "$status" -eq 0 ] && echo "check-file-length: every source file is within $MAX lines"
exit "$status"
