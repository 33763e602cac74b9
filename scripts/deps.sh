#!/usr/bin/env bash
# Installs the system packages the build needs: libedit's headers for the CEditLine target and
# pkg-config, which SwiftPM uses to find them. Idempotent: does nothing when libedit is found.
# Prints one line saying what it did.
set -euo pipefail

if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libedit; then
  echo "deps: libedit $(pkg-config --modversion libedit) already present, nothing to do"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "deps: libedit-dev and pkg-config are needed, but this is not root and has no sudo" >&2
  exit 1
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
fail() {
  cat "$log" >&2
  echo "deps: $1" >&2
  exit 1
}

export DEBIAN_FRONTEND=noninteractive
install_packages() {
  "${as_root[@]}" apt-get install -y -q --no-install-recommends libedit-dev pkg-config \
    >>"$log" 2>&1
}
# Refresh the package lists only when the install cannot go ahead without it (a fresh image
# has no lists at all).
updated="without apt-get update"
if ! install_packages; then
  "${as_root[@]}" apt-get update -q >>"$log" 2>&1 || fail "apt-get update failed"
  updated="after apt-get update"
  install_packages || fail "apt-get install libedit-dev pkg-config failed"
fi

pkg-config --exists libedit || fail "installed libedit-dev, but pkg-config cannot find libedit"
echo "deps: installed libedit-dev and pkg-config ($updated)," \
  "libedit $(pkg-config --modversion libedit)"
