#!/usr/bin/env bash
# Makes the Python virtual environment the Celery interop tests run real Celery from:
# .build-venv/ (ignored by git), with celery, redis and packaging from PyPI at the versions the
# tests were written against. Idempotent: does nothing when they import. Prints one line.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.build-venv
want="celery==5.7.0 redis==8.1.0 packaging"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import celery, redis, packaging" >/dev/null 2>&1; then
  echo "celery-venv: $("$venv/bin/python" -c 'import celery; print("celery", celery.__version__)') already in $venv"
  exit 0
fi
python=$(command -v python3 || true)
[ -n "$python" ] || { echo "celery-venv: python3 is needed for the Celery interop tests" >&2; exit 1; }
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
"$python" -m venv "$venv" >>"$log" 2>&1 || { cat "$log" >&2; echo "celery-venv: python3 -m venv failed" >&2; exit 1; }
# shellcheck disable=SC2086
"$venv/bin/pip" install -q $want >>"$log" 2>&1 || { cat "$log" >&2; echo "celery-venv: pip install $want failed" >&2; exit 1; }
echo "celery-venv: installed $want into $venv"
