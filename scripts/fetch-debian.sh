#!/usr/bin/env bash
# Downloads the Debian packages some tests run under Serval (real binaries nobody here wrote) into
# .cache/debian/<package>/, unpacked. Needs apt-get (any Debian or Ubuntu); safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache/debian
cd .cache/debian
fetch() {
  local pkg=$1 check=$2
  if [ -e "$pkg/$check" ]; then return; fi
  rm -rf "$pkg" ./"$pkg"_*.deb
  if ! apt-get download "$pkg" >/dev/null 2>&1; then
    # A fresh machine may have no package lists yet.
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    apt-get download "$pkg" >/dev/null 2>&1
  fi
  dpkg -x ./"$pkg"_*.deb "$pkg"
  rm -f ./"$pkg"_*.deb
}
fetch busybox-static bin/busybox
