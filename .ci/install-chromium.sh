#!/usr/bin/env bash
# Installs Debian's Chromium for the report's browser test (test/report/browser.test.ts), which
# drives it through playwright-core with executablePath /usr/bin/chromium. Never downloads a
# Playwright browser. Idempotent and quiet: does nothing when /usr/bin/chromium already exists.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-chromium: /usr/bin/chromium is missing and this user cannot run apt-get (no root, no sudo)" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
log="$(mktemp)"
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium; } >"$log" 2>&1; then
  echo "install-chromium: apt-get failed:" >&2
  tail -n 30 "$log" >&2
  rm -f "$log"
  exit 1
fi
rm -f "$log"

if [ ! -x /usr/bin/chromium ]; then
  echo "install-chromium: apt-get succeeded but /usr/bin/chromium is still missing" >&2
  exit 1
fi
