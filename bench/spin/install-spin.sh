#!/usr/bin/env bash
# Installs Debian's SPIN model checker for the bench's `check` section (test/bench/sections/check.ts),
# which compiles bench/spin/lock-service.pml with it and gcc. Downloads nothing else. Idempotent and
# quiet: does nothing when `spin` is already on the PATH.
set -euo pipefail

if command -v spin >/dev/null 2>&1; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-spin: spin is missing and this user cannot run apt-get (no root, no sudo)" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq spin; } >"$log" 2>&1; then
  echo "install-spin: apt-get failed:" >&2
  tail -n 30 "$log" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"

if ! command -v spin >/dev/null 2>&1; then
  echo "install-spin: apt-get succeeded but spin is still not on the PATH" >&2
  exit 1
fi
