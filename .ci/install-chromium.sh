#!/usr/bin/env bash
# Installs Debian's Chromium for the report's browser test (test/report/browser.test.ts), which
# drives it through playwright-core with executablePath /usr/bin/chromium. Never downloads a
# Playwright browser. Idempotent and quiet: does nothing when /usr/bin/chromium already exists.
set -euo pipefail
exec bash "$(dirname "$0")/apt-install.sh" chromium /usr/bin/chromium
