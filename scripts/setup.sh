#!/bin/sh
# Idempotent set-up: npm dependencies, Debian packages the tests need (with --system, as root), build.
set -e
cd "$(dirname "$0")/.."
quiet=; system=
for a in "$@"; do case "$a" in --quiet) quiet=1;; --system) system=1;; esac; done
say() { [ -n "$quiet" ] || echo "setup: $*"; }

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi

# Debian packages used by the system and golden tests (tcpdump as the reference printer,
# scapy to build capture corpora, iproute2 for namespaces). Installed only when missing.
if [ -n "$system" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  need=""
  for p in $(cat scripts/debian-packages.txt | sed 's/#.*//'); do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need="$need $p"
  done
  if [ -n "$need" ]; then
    say "installing Debian packages:$need"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends $need >/dev/null
  fi
fi

[ -n "$system" ] || { say "building"; npx tsc -p tsconfig.json; }
