#!/bin/sh
# Install the Chromium the browser tests drive (tests/test_browser.py, `pytest -m browser`).
# Debian's package, not `playwright install`: that downloads a browser from a CDN, which fails offline.
set -eu

if [ -x /usr/bin/chromium ]; then
    echo "install-browser: /usr/bin/chromium is already installed; nothing to do."
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-browser: skipped: no apt-get here; install Chromium at /usr/bin/chromium by hand (browser tests skip without it)."
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install-browser: skipped: not root; run: sudo apt-get update && sudo apt-get install -y chromium"
    exit 0
fi
# Another apt or dpkg run (a second `make test`, the machine's own updates) holds dpkg's lock: wait for it,
# then try again a few times, and stop there if that run installed Chromium meanwhile.
apt_get() {
    tries=0
    until apt-get -o DPkg::Lock::Timeout=120 "$@"; do
        tries=$((tries + 1))
        if [ -x /usr/bin/chromium ]; then return 0; fi
        if [ "$tries" -ge 5 ]; then return 1; fi
        echo "install-browser: apt-get $* failed (another install running?); trying again in 10 s"
        sleep 10
    done
}
apt_get update
if [ -x /usr/bin/chromium ]; then
    echo "install-browser: /usr/bin/chromium was installed meanwhile; nothing to do."
    exit 0
fi
apt_get install -y chromium
echo "install-browser: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
