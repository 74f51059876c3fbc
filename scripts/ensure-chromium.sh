#!/usr/bin/env bash
# The browser tests drive Debian's chromium package (playwright cannot download browsers here):
# install it when it is missing, so that `npm test` works on a fresh machine as it does in CI.
set -euo pipefail
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] && exit 0
sudo=$([ "$(id -u)" -eq 0 ] || echo sudo)
echo "chromium: not found, installing Debian's package"
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends chromium
