#!/bin/bash
# fanout.sh - two mailtap processes share one interface with --fanout.
#
# In a network namespace of its own, with a veth pair: a capture of about
# 6000 short login sessions (scripts/make-big-capture.py from the bundled
# POP3, IMAP and SMTP logins) is replayed with tcpreplay at 100 Mbit/s into
# one end, while two `mailtap -i ... --fanout ID --json` read the other.
# Together they must report every credential the file itself gives, each
# session's events in exactly one of them, and both some. Needs root.
# Usage: MAILTAP=/path/to/mailtap [FANOUT_MBPS=100] tests/e2e/fanout.sh
# (the ASan+UBSan build is run at a lower rate: it is several times slower)
set -u
cd "$(dirname "$0")/../.."
MAILTAP=${MAILTAP:-$PWD/mailtap}
PY=${PYTHON:-python3}
NS=mailtap-fanout-$$
TMP=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
    ip netns del "$NS" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

fail() { echo "FAIL: fanout: $*"; exit 1; }
[ "$(id -u)" = 0 ] || fail "needs root (a network namespace, a packet socket)"

"$PY" scripts/make-big-capture.py "$TMP/logins.pcap" --size-mb 21 --replay-ratio 1 \
    --concurrency 32 --seed 7 captures/imap-login-ok.pcap captures/pop3-user-pass-ok.pcap \
    captures/smtp-auth-plain-ok.pcap >/dev/null 2>&1 || fail "make-big-capture.py failed"
want=$("$MAILTAP" -q -r "$TMP/logins.pcap" --creds | tail -n +2 | wc -l)
[ "$want" -ge 6000 ] || fail "the capture has $want credentials, wanted at least 6000"

ip netns add "$NS" || fail "cannot make a namespace"
ip -n "$NS" link add va type veth peer name vb || fail "cannot make a veth pair"
ip -n "$NS" link set va up && ip -n "$NS" link set vb up || fail "cannot bring the veth pair up"

for i in 1 2; do
    ip netns exec "$NS" "$MAILTAP" -i vb --fanout 7 -B 8192 --json -Z root \
        >"$TMP/out$i.json" 2>"$TMP/err$i" &
    PIDS+=($!)
done
# Both in the group: each has its packet socket open.
for _ in $(seq 100); do
    n=0
    for p in "${PIDS[@]}"; do
        ls -l "/proc/$p/fd" 2>/dev/null | grep -q 'socket:' && n=$((n + 1))
    done
    [ "$n" = 2 ] && break
    sleep 0.05
done
sleep 0.5
ip netns exec "$NS" tcpreplay -q -i va --mbps "${FANOUT_MBPS:-100}" "$TMP/logins.pcap" >"$TMP/replay" 2>&1 ||
    fail "tcpreplay failed: $(tail -3 "$TMP/replay")"
sleep 1
for p in "${PIDS[@]}"; do kill -INT "$p"; done
for p in "${PIDS[@]}"; do wait "$p" || fail "mailtap exited $? after SIGINT: $(cat "$TMP"/err*)"; done
PIDS=()

grep -h "dropped by the kernel" "$TMP"/err1 "$TMP"/err2
"$PY" - "$want" "$TMP/out1.json" "$TMP/out2.json" <<'EOF' || exit 1
import json, sys
want = int(sys.argv[1])
sessions, creds = [], []
for path in sys.argv[2:]:
    s, c = set(), []
    for line in open(path):
        o = json.loads(line)
        if o["type"] == "session_start":
            s.add((o["client"], o["server"]))
        elif o["type"] == "credential":
            c.append((o["client"], o["server"], o["user"], o["password"], o["result"]))
    sessions.append(s)
    creds.append(c)
both = sessions[0] & sessions[1]
total = len(creds[0]) + len(creds[1])
unique = len(set(creds[0]) | set(creds[1]))
print("fanout: %d and %d credentials (%d in the file), %d and %d sessions, %d in both"
      % (len(creds[0]), len(creds[1]), want, len(sessions[0]), len(sessions[1]), len(both)))
ok = total == want and unique == want and not both and creds[0] and creds[1]
sys.exit(0 if ok else 1)
EOF
echo "fanout: ok"
