#!/usr/bin/env bash
# The playground's tests: builds it (scripts/build-www.sh) and drives the served
# page in headless Chromium (playwright-core, axe-core), www/tests/. Screenshots
# are kept in www/test-artifacts/ (git-ignored). Skipped, saying so, where no
# Chromium is installed (CI installs it: scripts/test-js.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-www.sh
cd www
node --test tests/
