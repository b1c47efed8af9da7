#!/usr/bin/env bash
# Downloads the Debian packages some tests run under Serval (real binaries nobody here wrote) into
# .cache/debian/<package>/, unpacked. Needs apt-get (any Debian or Ubuntu); safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .cache/debian
cd .cache/debian
fetch() {
  # fetch <package> <file to check> [directory, default: the package name]
  local pkg=$1 check=$2 dir=${3:-$1}
  if [ -e "$dir/$check" ]; then return; fi
  rm -rf "$dir" ./"$pkg"_*.deb
  if ! apt-get download "$pkg" >/dev/null 2>&1; then
    # A fresh machine may have no package lists yet.
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    apt-get download "$pkg" >/dev/null 2>&1
  fi
  dpkg -x ./"$pkg"_*.deb "$dir"
  rm -f ./"$pkg"_*.deb
}
fetch busybox-static bin/busybox
# The kernel the metapackage currently depends on (its name carries the ABI number, which changes
# with every kernel update), unpacked as linux-image/ so tests need not know the number.
kernel_pkg() { apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1; }
kernel=$(kernel_pkg)
if [ -z "$kernel" ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  kernel=$(kernel_pkg)
fi
fetch "$kernel" "boot/vmlinuz-${kernel#linux-image-}" linux-image
# The kernel's own x86 selftests: tools/testing/selftests/x86 of linux-source-6.1 and the two headers
# from elsewhere in the tree that some of them include, under linux-selftests/ with the tree's paths.
if [ ! -e linux-selftests/tools/testing/selftests/x86/Makefile ]; then
  rm -rf linux-selftests ./linux-source-6.1_*.deb
  apt-get download linux-source-6.1 >/dev/null 2>&1 || { ${sudo:-} apt-get update -qq; apt-get download linux-source-6.1 >/dev/null 2>&1; }
  mkdir -p linux-selftests
  dpkg --fsys-tarfile ./linux-source-6.1_*.deb | tar -xO ./usr/src/linux-source-6.1.tar.xz \
    | tar -xJ -C linux-selftests --strip-components=1 linux-source-6.1/tools/testing/selftests/x86 \
      linux-source-6.1/tools/testing/selftests/kselftest.h linux-source-6.1/arch/x86/include/asm/desc_defs.h
  rm -f ./linux-source-6.1_*.deb
fi
