#!/usr/bin/env bash
# Installs the Debian packages mailtap needs that are missing.
#   scripts/install-deps.sh          to build and run mailtap
#   scripts/install-deps.sh --test   also what `make check` uses
set -euo pipefail

pkgs=(gcc make pkg-config libpcap-dev libncurses-dev)
if [ "${1:-}" = "--test" ]; then
    pkgs+=(libcunit1-dev tcpflow python3 bsdutils tmux)
fi

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
SUDO=
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null; then
        SUDO=sudo
    else
        echo "install-deps: need root to install: ${missing[*]}" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
