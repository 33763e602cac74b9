#!/usr/bin/env bash
# Grades this course's solutions. Uses the distlab named by $DISTLAB, else the one on the PATH;
# only when neither exists, and this folder sits inside a distlab checkout, builds one there.
# Usage: grade.sh [extra distlab grade options]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
distlab="${DISTLAB:-}"
if [[ -z "$distlab" ]] && command -v distlab >/dev/null 2>&1; then
  distlab="$(command -v distlab)"
fi
if [[ -z "$distlab" ]]; then
  root="$(cd "$here/../.." && pwd)"
  if [[ ! -f "$root/Package.swift" || ! -x "$root/scripts/deps.sh" ]]; then
    echo "grade.sh: no distlab found: install it, put it on the PATH, or set DISTLAB=/path/to/distlab" >&2
    exit 2
  fi
  "$root/scripts/deps.sh" >&2
  swift build -c release --package-path "$root" --product distlab >&2
  distlab="$root/.build/release/distlab"
fi
cd "$here"
exec "$distlab" grade --lessons lessons --solutions solutions "$@"
