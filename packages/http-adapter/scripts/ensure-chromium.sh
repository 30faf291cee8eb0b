#!/bin/sh
# The dev-page tests drive a real headless Chromium (Debian's package, never a browser downloaded
# by playwright). Idempotent: does nothing when it is installed, installs it when run as root.
set -eu
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing Debian's chromium for the browser tests" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "ensure-chromium: /usr/bin/chromium is missing; the browser tests need it." >&2
echo "  Install it with: sudo apt-get update && sudo apt-get install -y chromium" >&2
exit 1
