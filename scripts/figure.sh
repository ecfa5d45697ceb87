#!/usr/bin/env bash
# Runs a figure binary; a leading profile name (`quick`, `paper`, ...) becomes `--profile NAME`.
set -euo pipefail
fig="$1"; shift
if [ $# -gt 0 ] && [[ "$1" != -* ]]; then
  profile="$1"; shift
  set -- --profile "$profile" "$@"
fi
exec "$(dirname "$0")/../target/release/$fig" "$@"
