#!/bin/bash
# check-deploy.sh - the shipping example of docs/deployment.md is a config
# rsyslog accepts: contrib/rsyslog/mailtap.conf checked by rsyslogd's own
# config validation (-N1), with its state directory pointed at a temporary
# one (the machine's /var/lib/rsyslog may not exist); and a mailtap JSON
# line as that config ships it is one JSON object.
set -u
cd "$(dirname "$0")/../.."
MAILTAP=${MAILTAP:-$PWD/mailtap}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
command -v rsyslogd >/dev/null || { echo "FAIL: deploy: rsyslogd is not installed"; exit 1; }
sed "s|/var/lib/rsyslog|$TMP|" contrib/rsyslog/mailtap.conf >"$TMP/mailtap.conf"
if ! out=$(rsyslogd -N1 -f "$TMP/mailtap.conf" 2>&1); then
    echo "FAIL: deploy: rsyslogd -N1 rejects contrib/rsyslog/mailtap.conf: $out"
    exit 1
fi
"$MAILTAP" -q -r captures/imap-login-ok.pcap --json | python3 -c '
import json, sys
n = sum(1 for line in sys.stdin if isinstance(json.loads(line), dict))
sys.exit(0 if n > 0 else 1)' || { echo "FAIL: deploy: mailtap --json lines are not JSON objects"; exit 1; }
echo "deploy: contrib/rsyslog/mailtap.conf passes rsyslogd -N1"
