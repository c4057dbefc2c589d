#!/usr/bin/env bash
# Makes a throwaway Debian root for the package tests (systemd/Pi.Packaging.Tests):
#
#   systemd/test-root.sh DIR
#
# DIR receives a minimal Debian 12 (bookworm) system: debootstrap's minbase variant (dpkg, passwd,
# init-system-helpers with deb-systemd-helper, no systemd) plus libssl3, which the gateway needs.
# The first run debootstraps from Debian's mirror (about a minute) and keeps a tarball in
# $PI_CROSS_ROOT (default /var/cache/pi-gateway-cross); later runs unpack that (a few seconds).
# The package is then installed with `chroot DIR dpkg -i`, so the maintainer scripts run as on a
# real system: with /bin/sh, getent, useradd and deb-systemd-helper of the root itself.
set -euo pipefail

target=${1:?usage: test-root.sh DIR}
cache_dir=${PI_CROSS_ROOT:-/var/cache/pi-gateway-cross}
suite=bookworm
tarball=$cache_dir/$suite-minbase-libssl3.tar
mirror=${PI_DEBIAN_MIRROR:-http://deb.debian.org/debian}
export PATH="$PATH:/usr/sbin:/sbin"

mkdir -p "$cache_dir"
# Tests run in parallel: one debootstraps, the others wait for its tarball.
exec 9>"$cache_dir/.test-root.lock"
flock 9
if [ ! -s "$tarball" ]; then
  if ! command -v debootstrap >/dev/null 2>&1; then
    echo "test-root: installing debootstrap" >&2
    sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends debootstrap >&2 \
      || { "${sudo_cmd[@]}" apt-get update -qq >&2 || true; DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends debootstrap >&2; }
  fi
  build=$(mktemp -d "$cache_dir/debootstrap.XXXXXX")
  unmount_all() {
    local m
    for m in dev/pts dev/shm dev proc sys; do umount -l "$build/root/$m" 2>/dev/null || true; done
  }
  # --one-file-system: never descend into anything still mounted inside.
  trap 'unmount_all; rm -rf --one-file-system "$build"' EXIT
  echo "test-root: debootstrap --variant=minbase $suite (once; cached in $tarball)" >&2
  start=$(date +%s)
  debootstrap --variant=minbase --include=libssl3 "$suite" "$build/root" "$mirror" >"$build/debootstrap.log" 2>&1 \
    || { tail -20 "$build/debootstrap.log" >&2; exit 1; }
  # Nothing of the build machine's may stay mounted inside.
  unmount_all
  rm -rf "$build/root/var/cache/apt/archives/"*.deb "$build/root/var/lib/apt/lists/"* 2>/dev/null || true
  tar -C "$build/root" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  echo "test-root: debootstrapped in $(($(date +%s) - start)) s" >&2
fi

flock -u 9
mkdir -p "$target"
tar -C "$target" -xf "$tarball"
