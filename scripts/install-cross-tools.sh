#!/usr/bin/env bash
# Installs, from Debian's packages, what the packaging and the arm64 Native AOT build need, and
# only what is missing:
#   dpkg-deb, fakeroot           build the .deb files (systemd/build-deb.sh)
#   systemd-analyze              verify the installed units
#   clang, lld                   Native AOT links with clang (lld for cross targets)
#   gcc-aarch64-linux-gnu, binutils-aarch64-linux-gnu, libc6-dev-arm64-cross
#                                arm64 sysroot (crt files, libc, libgcc) for the cross link
#   qemu-user-static             runs the arm64 binary on an x64 machine (the CI proof)
#   libssl3 for arm64 (armhf)    the guest's OpenSSL, which .NET's crypto loads at run time under
#                                qemu: downloaded with a private apt state (no foreign
#                                architecture is added to dpkg, nothing is installed) and unpacked
#                                into $PI_CROSS_ROOT/<arch>/sysroot; the qemu test puts its
#                                usr/lib/<triplet> on the guest's LD_LIBRARY_PATH.
# Usage: scripts/install-cross-tools.sh [--no-arm64] [--armhf]
#   --no-arm64  only the packaging tools (an amd64 package needs nothing else)
#   --armhf     also the 32-bit ARM cross toolchain (linux-arm)
set -euo pipefail

want_arm64=1 want_armhf=0
for arg in "$@"; do
  case "$arg" in
    --no-arm64) want_arm64=0 ;;
    --armhf) want_armhf=1 ;;
    *) echo "usage: $0 [--no-arm64] [--armhf]" >&2; exit 64 ;;
  esac
done

export PATH="$PATH:/usr/sbin:/sbin"
need=()
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

have_cmd dpkg-deb || need+=(dpkg)
have_cmd fakeroot || [ "$(id -u)" -eq 0 ] || need+=(fakeroot)
have_cmd systemd-analyze || need+=(systemd)
if [ "$want_arm64" -eq 1 ] || [ "$want_armhf" -eq 1 ]; then
  have_cmd clang || need+=(clang)
  have_cmd ld.lld || need+=(lld)
  have_cmd qemu-aarch64-static || need+=(qemu-user-static)
fi
if [ "$want_arm64" -eq 1 ]; then
  have_cmd aarch64-linux-gnu-gcc || need+=(gcc-aarch64-linux-gnu)
  have_cmd aarch64-linux-gnu-objcopy || need+=(binutils-aarch64-linux-gnu)
  have_pkg libc6-dev-arm64-cross || need+=(libc6-dev-arm64-cross)
fi
if [ "$want_armhf" -eq 1 ]; then
  have_cmd arm-linux-gnueabihf-gcc || need+=(gcc-arm-linux-gnueabihf)
  have_cmd arm-linux-gnueabihf-objcopy || need+=(binutils-arm-linux-gnueabihf)
  have_pkg libc6-dev-armhf-cross || need+=(libc6-dev-armhf-cross)
fi

cross_root=${PI_CROSS_ROOT:-/var/cache/pi-gateway-cross}

# The guest's libssl3, unpacked (not installed) from Debian's package for that architecture.
guest_openssl() {
  local arch=$1 triplet=$2 dir="$cross_root/$1"
  [ -e "$dir/sysroot/usr/lib/$triplet/libssl.so.3" ] && return 0
  echo "cross tools: fetching libssl3 ($arch) into $dir/sysroot"
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/sysroot" "$dir/debs"
  : >"$dir/status"
  local apt_opts=(-o "APT::Architecture=$arch" -o "APT::Architectures::=$arch"
    -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache" -o "Dir::State::status=$dir/status"
    -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
  apt-get "${apt_opts[@]}" update -qq || echo "cross tools: apt-get update ($arch) reported errors; trying the download anyway" >&2
  (cd "$dir/debs" && rm -f ./*.deb && apt-get "${apt_opts[@]}" download libssl3)
  dpkg-deb -x "$dir"/debs/libssl3_*.deb "$dir/sysroot"
  [ -e "$dir/sysroot/usr/lib/$triplet/libssl.so.3" ]
}

if ((${#need[@]} == 0)); then
  echo "cross tools: all present"
else
  echo "cross tools: installing ${need[*]}"
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  # A partial failure (one index mid-sync on the mirror) still leaves usable lists: the install
  # says what it cannot find.
  "${sudo_cmd[@]}" apt-get update -qq || echo "cross tools: apt-get update reported errors; trying the install anyway" >&2
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
[ "$want_arm64" -eq 0 ] || guest_openssl arm64 aarch64-linux-gnu
[ "$want_armhf" -eq 0 ] || guest_openssl armhf arm-linux-gnueabihf
echo "cross tools: ready"
