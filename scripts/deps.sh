#!/usr/bin/env bash
# Installs the system packages the build needs (libedit headers for the CEditLine target,
# pkg-config to find them). Idempotent: does nothing when libedit is already found.
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
  echo "deps: libedit-dev is missing and this is neither root nor has sudo" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
updated="no"
# Refresh the package lists only when apt does not know the package yet.
if ! apt-cache show libedit-dev >/dev/null 2>&1 || ! apt-cache show pkg-config >/dev/null 2>&1; then
  "${as_root[@]}" apt-get update -qq >/dev/null
  updated="yes"
fi
if ! "${as_root[@]}" apt-get install -y -qq libedit-dev pkg-config >/dev/null 2>&1; then
  if [ "$updated" = "no" ]; then
    "${as_root[@]}" apt-get update -qq >/dev/null
    updated="yes"
  fi
  "${as_root[@]}" apt-get install -y -qq libedit-dev pkg-config >/dev/null
fi

if ! pkg-config --exists libedit; then
  echo "deps: installed libedit-dev but pkg-config still cannot find libedit" >&2
  exit 1
fi
echo "deps: installed libedit-dev and pkg-config (apt-get update: $updated)," \
  "libedit $(pkg-config --modversion libedit)"
