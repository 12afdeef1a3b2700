#!/usr/bin/env bash
# Installs the Debian packages mailtap needs that are missing.
#   scripts/install-deps.sh          to build and run mailtap
#   scripts/install-deps.sh --test   also what `make check` uses
set -euo pipefail

pkgs=(gcc make pkg-config libpcap-dev libncurses-dev libssl-dev zlib1g-dev)
# msgfmt builds the translations of --explain (po/) with `make`; make check
# also runs xgettext and msgcmp (tests/po-check.sh).
pkgs+=(gettext)
if [ "${1:-}" = "--test" ]; then
    pkgs+=(libcunit1-dev tcpflow python3 bsdutils tmux)
    # tests/e2e/live.sh: a real Dovecot in a network namespace (iproute2),
    # setcap/getcap (libcap2-bin), setpriv (util-linux).
    pkgs+=(dovecot-imapd iproute2 libcap2-bin util-linux)
    # tests/e2e/check-report.py opens the HTML report in a real browser.
    pkgs+=(chromium)
    # tests/e2e/fanout.sh replays a capture into a veth pair.
    pkgs+=(tcpreplay)
    # tests/e2e/check-deploy.sh validates contrib/rsyslog/mailtap.conf.
    pkgs+=(rsyslog rsyslog-elasticsearch rsyslog-kafka)
    # make fuzz (run by .ci/run): clang's libFuzzer with its sanitizers.
    pkgs+=(clang libclang-rt-14-dev)
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
# Packages with a service (dovecot) must not start it: the tests run their
# own instance. policy-rc.d is made only if absent, and removed after.
made_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
    made_policy=1
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if [ $made_policy = 1 ]; then
    $SUDO rm -f /usr/sbin/policy-rc.d
    trap - EXIT
fi
