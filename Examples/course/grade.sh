#!/usr/bin/env bash
# Grades this course's solutions with a distlab built from this repository, as CI does.
# Usage: Examples/course/grade.sh [extra distlab grade options]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
"$root/scripts/deps.sh" >&2
swift build -c release --package-path "$root" --product distlab >&2
cd "$here"
exec "$root/.build/release/distlab" grade --lessons lessons --solutions solutions "$@"
