#!/usr/bin/env bash
# Installs Debian's SPIN model checker for the bench's `check` section (test/bench/sections/check.ts),
# which compiles bench/spin/lock-service.pml with it and gcc. Downloads nothing else. Idempotent and
# quiet: does nothing when `spin` is already on the PATH.
set -euo pipefail
exec bash "$(dirname "$0")/../../.ci/apt-install.sh" spin spin
