#!/usr/bin/env bash
# The browser tests (tests/browser) drive the system's Chromium; Playwright never downloads one.
# CHROMIUM_PATH names any Chromium or Chrome binary; otherwise Debian's package is installed
# when /usr/bin/chromium is missing (as root, or with sudo).
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ]; then
  [ -x "$CHROMIUM_PATH" ] || { echo "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable"; exit 1; }
  exit 0
fi
[ -x /usr/bin/chromium ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "No Chromium at /usr/bin/chromium and no apt-get: install Chromium or Chrome and set CHROMIUM_PATH"
  exit 1
fi
echo "Installing Debian's chromium for the browser tests"
sudo=$([ "$(id -u)" = 0 ] || echo sudo)
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
