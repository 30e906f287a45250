#!/usr/bin/env bash
# Installs what ocsfed's builds and tests need on a Debian 12 machine (as root).
# Idempotent: a package already installed is not asked for again, so a second run
# costs a few dpkg look-ups and no network.
set -euo pipefail

pkgs=(
  # native build and tests
  build-essential cmake ninja-build pkg-config libcjson-dev libcmocka-dev libssl-dev
  clang libclang-rt-14-dev clang-format valgrind openssl
  # the fleet page of `ocsfed status --html`, rendered headless (native.status_html_chromium)
  chromium
  # Windows build, Wine as the Windows under test, the MSI
  gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 binutils-mingw-w64-x86-64 mingw-w64-tools
  wine wine64 libwine wixl msitools
  # building the MinGW dependencies from Debian source packages
  dpkg-dev xz-utils ca-certificates perl
  # real SIP and TLS peers for the probe's tests (tests/probe/): SIPp over TCP, Kamailio
  # over mutual TLS, socat for a peer that says nothing
  sip-tester kamailio kamailio-tls-modules socat
)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

srclist=/etc/apt/sources.list.d/ocsfed-src.sources
need_update=0
if [ ! -f "$srclist" ]; then
  # deb-src beside the deb entry: the MinGW dependencies are built from Debian's
  # own source packages (scripts/build-deps.sh), nothing is vendored.
  uris=$(awk '/^URIs:/ {sub(/^URIs: */, ""); print; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$uris" ] || uris=http://deb.debian.org/debian
  cat >"$srclist" <<EOF
Types: deb-src
URIs: $uris
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  need_update=1
fi

if [ ${#missing[@]} -gt 0 ] || [ $need_update = 1 ]; then
  echo "setup: installing ${#missing[@]} package(s): ${missing[*]:-none}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >/dev/null
  if [ ${#missing[@]} -gt 0 ]; then
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # The probe's tests start their own Kamailio (tests/peers/); the package's system
  # service, which Debian enables on install, is not wanted on a build machine.
  if [[ " ${missing[*]} " == *" kamailio "* ]] && command -v systemctl >/dev/null; then
    systemctl disable --now kamailio >/dev/null 2>&1 || true
  fi
else
  echo "setup: all packages present"
fi
