#!/bin/sh
# The dev-page tests drive a real headless Chromium (Debian's package, never a browser downloaded
# by playwright). Idempotent: does nothing when it is installed, installs it when run as root.
set -eu
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  # Several packages' tests run this at once (turbo): one installs while the others wait, then find
  # it installed. apt's own locks may be held by another process too: wait for them, then retry.
  if command -v flock >/dev/null 2>&1; then
    exec 9>/tmp/cello-ensure-chromium.lock
    flock 9
    if [ -x /usr/bin/chromium ]; then
      exit 0
    fi
  fi
  echo "ensure-chromium: installing Debian's chromium for the browser tests" >&2
  for attempt in 1 2 3 4 5 6; do
    if apt-get -o DPkg::Lock::Timeout=120 update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=120 install -y -qq chromium >/dev/null; then
      exit 0
    fi
    echo "ensure-chromium: apt-get failed (attempt $attempt); retrying in 10 s" >&2
    sleep 10
  done
  exit 1
fi
echo "ensure-chromium: /usr/bin/chromium is missing; the browser tests need it." >&2
echo "  Install it with: sudo apt-get update && sudo apt-get install -y chromium" >&2
exit 1
