#!/usr/bin/env bash
# System packages the tests need beyond Python: Debian's Chromium (browser tests; never a
# downloaded browser), a CJK font (Chinese in screenshots and PDFs) and gettext (the
# translation check), poppler-utils and zbar-tools (reading back the PDFs and QR codes we
# print). Installs what is missing when run as root on Debian/Ubuntu; otherwise
# says what to install. `make test` and `.ci/run` call it.
set -euo pipefail

need=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
command -v xgettext >/dev/null 2>&1 || need+=(gettext)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing ${need[*]} (Debian packages) =="
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "note: install these system packages for the browser and translation checks:" >&2
  echo "      sudo apt-get install ${need[*]}" >&2
fi
