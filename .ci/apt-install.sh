#!/usr/bin/env bash
# Installs one Debian package a test or bench needs, from the Debian archive only (never a
# downloaded binary). Usage: apt-install.sh PACKAGE COMMAND, where COMMAND is the executable the
# package provides (a name on the PATH or an absolute path). Idempotent and quiet: does nothing
# when COMMAND is already there.
set -euo pipefail

package="$1"
command="$2"
present() { command -v "$command" >/dev/null 2>&1; }

if present; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install $package: $command is missing and this user cannot run apt-get (no root, no sudo)" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq "$package"; } >"$log" 2>&1; then
  echo "install $package: apt-get failed:" >&2
  tail -n 30 "$log" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"

if ! present; then
  echo "install $package: apt-get succeeded but $command is still missing" >&2
  exit 1
fi
