#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through Playwright; never a downloaded browser.
# Installs chromium with apt when it is missing and we may; otherwise the browser tests skip.
set -u
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser tests"
  apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null \
    || echo "could not install chromium: the browser tests (tests/e2e) will be skipped" >&2
else
  echo "chromium is not installed (apt-get install chromium): the browser tests will be skipped" >&2
fi
exit 0
