#!/usr/bin/env bash
# Installs the system packages the build and the tests need: libedit's headers for the
# CEditLine target and pkg-config, which SwiftPM uses to find them; and Debian's redis-server,
# which the Redis client's tests start privately on a free port (nothing runs as a service).
# Idempotent: does nothing when all are found. Prints one line saying what it did.
set -euo pipefail

have_libedit() { command -v pkg-config >/dev/null 2>&1 && pkg-config --exists libedit; }
have_redis() { command -v redis-server >/dev/null 2>&1; }

if have_libedit && have_redis; then
  echo "deps: libedit $(pkg-config --modversion libedit) and $(redis-server --version | cut -d' ' -f1-3)" \
    "already present, nothing to do"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1; then
  as_root=(sudo)
else
  echo "deps: libedit-dev, pkg-config and redis-server are needed, but this is not root and has no sudo" >&2
  exit 1
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
fail() {
  cat "$log" >&2
  echo "deps: $1" >&2
  exit 1
}

packages=(libedit-dev pkg-config redis-server)
export DEBIAN_FRONTEND=noninteractive
install_packages() {
  "${as_root[@]}" apt-get install -y -q --no-install-recommends "${packages[@]}" >>"$log" 2>&1
}
# Refresh the package lists only when the install cannot go ahead without it (a fresh image
# has no lists at all).
updated="without apt-get update"
if ! install_packages; then
  "${as_root[@]}" apt-get update -q >>"$log" 2>&1 || fail "apt-get update failed"
  updated="after apt-get update"
  install_packages || fail "apt-get install ${packages[*]} failed"
fi

have_libedit || fail "installed libedit-dev, but pkg-config cannot find libedit"
have_redis || fail "installed redis-server, but it is not on the PATH"
echo "deps: installed ${packages[*]} ($updated)," \
  "libedit $(pkg-config --modversion libedit), $(redis-server --version | cut -d' ' -f1-3)"
