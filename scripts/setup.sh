#!/bin/sh
# Idempotent set-up: npm dependencies, Debian packages the tests need (with --system, as root), build.
set -e
cd "$(dirname "$0")/.."
quiet=; system=
for a in "$@"; do case "$a" in --quiet) quiet=1;; --system) system=1;; esac; done
say() { [ -n "$quiet" ] || echo "setup: $*"; }

# The slow steps always say what they do (on standard error), --quiet or not.
slow() { echo "setup: $*" >&2; }

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  slow "installing npm dependencies (the first time: a minute or so)..."
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
    apt-get update -qq >/dev/null || echo "setup: WARNING: apt-get update failed" >&2
    if ! apt-get install -y -qq --no-install-recommends $need >/dev/null 2>&1; then
      # One unavailable package must not stop the others: the tests that need it skip and say why.
      for p in $need; do
        apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1 || echo "setup: WARNING: could not install $p" >&2
      done
    fi
  fi
fi

# The native addon of the Linux port backend (native/*.c -> build/Release/pask_port.node), built
# by node-gyp (npm's own copy) against the installed Node's headers, offline. Rebuilt only when
# native/ or binding.gyp changed. A failed build is reported, not fatal: only Linux ports need it
# (they then say "% Cannot attach port to IFNAME: the native port addon is not built").
addon=build/Release/pask_port.node
if [ -f binding.gyp ] && { [ ! -f "$addon" ] || [ -n "$(find native binding.gyp -newer "$addon" 2>/dev/null | head -n 1)" ]; }; then
  slow "building the native port addon (the first time: about half a minute)..."
  gyp="${npm_config_node_gyp:-}"
  [ -n "$gyp" ] && [ -f "$gyp" ] || gyp="$(npm prefix -g 2>/dev/null)/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"
  nodedir="${npm_config_nodedir:-$(npm config get nodedir 2>/dev/null)}"
  [ -f "$nodedir/include/node/node_api.h" ] || nodedir="$(dirname "$(dirname "$(command -v node)")")"
  gypdir=; [ -f "$nodedir/include/node/node_api.h" ] && gypdir="--nodedir=$nodedir"
  if ! node "$gyp" rebuild $gypdir --loglevel=error >/tmp/pask-addon-build.$$ 2>&1; then
    echo "setup: WARNING: the native port addon did not build (Linux ports unavailable):" >&2
    tail -n 15 /tmp/pask-addon-build.$$ >&2
  fi
  rm -f /tmp/pask-addon-build.$$
fi

# The established-flow offload program (native/pask_offload.bpf.c -> build/pask_offload.bpf.o), an
# XDP program compiled by clang against libbpf-dev's headers (Debian packages, installed with
# --system). Without them `offload enable` says so and pask forwards everything itself.
bpfobj=build/pask_offload.bpf.o
if [ -f native/pask_offload.bpf.c ] && { [ ! -f "$bpfobj" ] || [ native/pask_offload.bpf.c -nt "$bpfobj" ]; }; then
  if command -v clang >/dev/null && [ -f /usr/include/bpf/bpf_helpers.h ]; then
    asminc=; for d in /usr/include/*-linux-gnu; do [ -f "$d/asm/types.h" ] && asminc="-I $d" && break; done
    mkdir -p build
    clang -O2 -g -Wall -target bpf $asminc -c native/pask_offload.bpf.c -o "$bpfobj.tmp" 2>/tmp/pask-bpf-build.$$ && mv "$bpfobj.tmp" "$bpfobj" ||
      { echo "setup: WARNING: the offload program did not build (offload unavailable):" >&2; tail -n 10 /tmp/pask-bpf-build.$$ >&2; }
    rm -f /tmp/pask-bpf-build.$$ "$bpfobj.tmp"
  else
    say "no clang or libbpf-dev: the offload program is not built (offload unavailable)"
  fi
fi

# The TypeScript build into dist/: nothing to do when no source is newer than the last build's
# stamp; else incremental (tsc keeps what it knows in dist/.tsbuildinfo, so only what changed is
# compiled again). The stamp is taken before compiling, so an edit made meanwhile is seen next time.
if [ -z "$system" ]; then
  stamp=dist/.build-stamp
  if [ -f "$stamp" ] && [ -z "$(find src commands bench scripts tsconfig.json package.json -newer "$stamp" \( -name '*.ts' -o -name '*.json' \) 2>/dev/null | head -n 1)" ]; then
    say "build is up to date"
  else
    if [ -f dist/.tsbuildinfo ]; then say "compiling what changed"; else slow "compiling pask (the first time: about 20 seconds)..."; fi
    mkdir -p dist
    touch "$stamp.new"
    node node_modules/typescript/bin/tsc -p tsconfig.json --incremental --tsBuildInfoFile dist/.tsbuildinfo
    mv "$stamp.new" "$stamp"
  fi
fi
