#!/usr/bin/env bash
# Builds the Debian package of the gateway (or of the cloud host) with dpkg-deb.
#
#   systemd/build-deb.sh [--package gateway|cloud] [--arch arm64|amd64|armhf] [--aot|--jit]
#                        [--version X.Y.Z] [--out DIR] [--publish-dir DIR] [--fast]
#
#   --package      gateway (default): pi-gateway_<version>_<arch>.deb
#                  cloud: pi-cloud_<version>_<arch>.deb (always self-contained JIT, see below)
#   --arch         the Debian architecture (default arm64: 64-bit Raspberry Pi OS)
#   --aot          gateway only, the default: Native AOT, one ~14 MiB binary, no .NET on the Pi
#   --jit          self-contained JIT build (all of .NET beside the binary; builds faster)
#   --version      the package and program version (default: VersionPrefix of Directory.Build.props)
#   --out          where the .deb goes (default: artifacts/deb)
#   --publish-dir  package this `dotnet publish` output instead of publishing (tests, caches)
#   --fast         gzip -1 instead of xz (tests)
#
# Prints the path of the .deb on its last line. Needs dpkg-deb (no fakeroot: --root-owner-group
# makes every file root's); a cross (arm64/armhf) Native AOT build needs clang, lld and the cross
# gcc/binutils/libc, which scripts/install-cross-tools.sh installs when they are missing.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
package=gateway arch=arm64 mode=aot version= out="$repo/artifacts/deb" publish_dir= fast=0 mode_given=0
while (($#)); do
  case "$1" in
    --package) package=$2; shift 2 ;;
    --arch) arch=$2; shift 2 ;;
    --aot) mode=aot; mode_given=1; shift ;;
    --jit) mode=jit; mode_given=1; shift ;;
    --version) version=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --publish-dir) publish_dir=$2; shift 2 ;;
    --fast) fast=1; shift ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    *) echo "build-deb: unknown argument '$1' (see --help)" >&2; exit 64 ;;
  esac
done

case "$arch" in
  arm64) rid=linux-arm64 ;;
  amd64) rid=linux-x64 ;;
  armhf) rid=linux-arm ;;
  *) echo "build-deb: --arch must be arm64, amd64 or armhf" >&2; exit 64 ;;
esac
if [ -z "$version" ]; then
  version=$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' "$repo/Directory.Build.props" | head -n 1)
fi
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || { echo "build-deb: version '$version' is not X.Y.Z" >&2; exit 64; }

case "$package" in
  gateway)
    name=pi-gateway project=gateway/Pi.Gateway program=Pi.Gateway unit=pi-gateway.service
    user=pi-gateway extra_groups="gpio netdev"
    release_files=/etc/NetworkManager/conf.d/99-pi-gateway-unmanaged.conf
    short="Pi Gateway smart-home gateway service"
    depends="libc6 (>= 2.31), libssl3 | libssl1.1"
    # libgpiod: the Libgpiod GPIO driver (Bookworm: libgpiod2; Trixie: libgpiod3 with Gpio:Driver=LibgpiodV2).
    recommends="libgpiod2 | libgpiod3, network-manager | hostapd"
    suggests="dnsmasq-base, wpasupplicant, iw, iproute2"
    ;;
  cloud)
    name=pi-cloud project=cloud/Pi.Cloud program=Pi.Cloud unit=pi-cloud.service
    user=pi-cloud extra_groups="" release_files=""
    short="Pi Cloud companion cloud host for Pi Gateways"
    depends="libc6 (>= 2.31), libssl3 | libssl1.1, libstdc++6, libgcc-s1, zlib1g"
    recommends="" suggests="postgresql, mosquitto"
    # ASP.NET Core, Dapper and the SQL drivers are not Native AOT-clean: the cloud ships
    # self-contained JIT, so no .NET runtime (which Debian does not package) is needed.
    if [ "$mode_given" -eq 1 ] && [ "$mode" = aot ]; then
      echo "build-deb: the cloud host is not Native AOT-compatible; use --jit (the default for it)" >&2; exit 64
    fi
    mode=jit
    ;;
  *) echo "build-deb: --package must be gateway or cloud" >&2; exit 64 ;;
esac

export PATH="$PATH:/usr/sbin:/sbin"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
command -v dpkg-deb >/dev/null || "$repo/scripts/install-cross-tools.sh" --no-arm64

work=$(mktemp -d "${TMPDIR:-/tmp}/build-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT

# 1. The program.
if [ -z "$publish_dir" ]; then
  publish_dir=$work/publish
  # --artifacts-path: every intermediate file of this publish (restore for the RID included) stays
  # in the work directory, never in the checkout's bin/ and obj/, so a build in progress there
  # (tests, an IDE) is not disturbed.
  args=(publish "$repo/$project" -c Release -r "$rid" -o "$publish_dir" --artifacts-path "$work/artifacts" -p:VersionPrefix="$version")
  if [ "$mode" = aot ]; then
    host_arch=$(dpkg --print-architecture)
    case "$arch" in
      "$host_arch") "$repo/scripts/install-cross-tools.sh" --no-arm64 >&2 ;;
      arm64) "$repo/scripts/install-cross-tools.sh" >&2 ;;
      armhf) "$repo/scripts/install-cross-tools.sh" --no-arm64 --armhf >&2 ;;
    esac
    args+=(-p:PublishAot=true)
  else
    args+=(--self-contained -p:PublishTrimmed=false)
  fi
  echo "build-deb: dotnet ${args[*]}" >&2
  start=$(date +%s)
  dotnet "${args[@]}" >&2
  echo "build-deb: published in $(($(date +%s) - start)) s" >&2
fi
[ -x "$publish_dir/$program" ] || { echo "build-deb: no $program in $publish_dir" >&2; exit 1; }

# 2. The file tree.
root=$work/root
lib=$root/usr/lib/$name
install -d "$lib" "$root/lib/systemd/system" "$root/etc/$name" "$root/usr/share/doc/$name" "$root/DEBIAN"
cp -a "$publish_dir/." "$lib/"
# Debug symbols, PDBs and XML docs stay out of the package; nothing in it is writable by others.
find "$lib" \( -name '*.dbg' -o -name '*.pdb' -o -name '*.xml' -o -name 'appsettings*.json' \) -delete
find "$lib" -type d -exec chmod 0755 {} +
find "$lib" -type f -exec chmod 0644 {} +
chmod 0755 "$lib/$program"
find "$lib" -name '*.so' -exec chmod 0644 {} +
install -m 0644 "$repo/systemd/$unit" "$root/lib/systemd/system/$unit"
install -m 0644 "$repo/systemd/$( [ "$package" = gateway ] && echo appsettings.json || echo appsettings.cloud.json )" "$root/etc/$name/appsettings.json"

if [ "$package" = gateway ]; then
  # The Wi-Fi templates, taken from the code that fills them (Wifi/Config/ConfigTemplate.cs), so
  # they cannot drift: what the gateway writes to /run/pi-gateway at run time, {{placeholders}} and
  # all, for reading and for setting up a softAP by hand.
  share=$root/usr/share/$name
  install -d "$share"
  python3 - "$repo/gateway/Pi.Gateway/Wifi/Config/ConfigTemplate.cs" "$share" <<'PY'
import re, sys, textwrap, pathlib
source, target = pathlib.Path(sys.argv[1]).read_text(), pathlib.Path(sys.argv[2])
names = {"Hostapd": "hostapd.conf.template", "HostapdOpen": "hostapd-security-open.template",
         "HostapdWpa2": "hostapd-security-wpa2.template", "Dnsmasq": "dnsmasq.conf.template",
         "WpaSupplicant": "wpa_supplicant.conf.template",
         "NetworkManagerUnmanaged": "NetworkManager-unmanaged.conf.template"}
found = dict(re.findall(r'public const string (\w+) = """\n(.*?)\n\s*""";', source, re.S))
for const, file in names.items():
    if const not in found:
        sys.exit(f"build-deb: ConfigTemplate.{const} not found")
    (target / file).write_text(textwrap.dedent(found[const]) + "\n")
PY
  chmod 0644 "$share"/*
  install -m 0644 "$repo/systemd/templates.README" "$share/README"
  install -d "$root/usr/share/doc/$name/systemd"
  install -m 0644 "$repo/systemd/README.md" "$root/usr/share/doc/$name/systemd/README.md"
  install -m 0644 "$repo/docs/install.md" "$root/usr/share/doc/$name/install.md" 2>/dev/null || true
else
  install -m 0644 "$repo/cloud/README.md" "$root/usr/share/doc/$name/README.md"
fi
cat >"$root/usr/share/doc/$name/copyright" <<TXT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: Pi Gateway
Comment: $name $version, built from the Pi Gateway repository by systemd/build-deb.sh.
 The ${mode^^} build includes the .NET runtime (MIT, (c) .NET Foundation and Contributors) and
 the NuGet packages the program references (MIT or Apache-2.0 licensed).
Files: *
Copyright: the Pi Gateway authors
License: see the project repository
TXT
chmod 0644 "$root/usr/share/doc/$name/copyright"

# 3. Control files.
fill() {
  sed -e "s|@PACKAGE@|$name|g" -e "s|@USER@|$user|g" -e "s|@UNIT@|$unit|g" \
      -e "s|@EXTRA_GROUPS@|$extra_groups|g" -e "s|@RELEASE_FILES@|$release_files|g" \
      -e "s|@DESCRIPTION_SHORT@|$short|g" "$1"
}
for script in postinst prerm postrm; do
  fill "$repo/systemd/debian/$script" >"$root/DEBIAN/$script"
  chmod 0755 "$root/DEBIAN/$script"
done
echo "/etc/$name/appsettings.json" >"$root/DEBIAN/conffiles"
installed_size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
{
  echo "Package: $name"
  echo "Version: $version"
  echo "Architecture: $arch"
  echo "Maintainer: Pi Gateway project <pi-gateway@localhost>"
  echo "Installed-Size: $installed_size"
  echo "Depends: $depends, passwd"
  [ -z "$recommends" ] || echo "Recommends: $recommends"
  [ -z "$suggests" ] || echo "Suggests: $suggests"
  echo "Section: net"
  echo "Priority: optional"
  echo "Description: $short"
  if [ "$package" = gateway ]; then
    echo " The gateway service of the Pi Gateway project ($mode build): softAP provisioning from a"
    echo " phone, an encrypted session with its cloud, and a local MQTT bridge for sub-devices."
    echo " Runs as the system user pi-gateway under systemd (pi-gateway.service)."
  else
    echo " The companion cloud host of the Pi Gateway project (self-contained .NET): APP API,"
    echo " gateway login and the MQTT session channel. Runs as pi-cloud (pi-cloud.service)."
  fi
} >"$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

# 4. The package.
mkdir -p "$out"
deb="$out/${name}_${version}_${arch}.deb"
compression=(-Zxz)
[ "$fast" -eq 0 ] || compression=(-Zgzip -z1)
dpkg-deb --root-owner-group "${compression[@]}" --build "$root" "$deb" >&2
echo "$deb"
