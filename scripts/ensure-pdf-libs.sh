#!/usr/bin/env bash
# WeasyPrint (the PDF export) needs Pango, HarfBuzz's subsetter and a font with ÆØÅ.
# On Debian: installs the missing packages with apt when we may; otherwise says what is missing.
set -u
PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"
if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "not Debian: make sure Pango, HarfBuzz (with hb-subset) and DejaVu fonts are installed for the PDF export" >&2
  exit 0
fi
missing=""
for package in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing="$missing $package"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing the PDF export's system libraries:$missing"
  apt-get update -qq >/dev/null 2>&1 || true
  # shellcheck disable=SC2086 # one word per package
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null \
    || echo "could not install$missing: the PDF export and its tests will fail" >&2
else
  echo "missing for the PDF export (WeasyPrint):$missing — run: sudo apt-get install$missing" >&2
fi
exit 0
