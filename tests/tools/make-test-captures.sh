#!/bin/bash
# make-test-captures.sh OUTDIR - record small real loopback captures for tests.
#
# Runs itself inside a private network namespace (unshare -n, needs root),
# so its servers (python http.server, fake-mail-server.py on ports
# 110/143/25) and tcpdump see only their own loopback traffic and never
# clash with anything else on the machine.  Needs tcpdump, curl, python3.
#
# Writes into OUTDIR:
#   http-lo.pcap        EN10MB, lo MTU 65536, HTTP over 127.0.0.1 and ::1
#   http-mtu1500.pcap   EN10MB, lo MTU 1500 (1448-byte segments)
#   http-nsec.pcap      EN10MB, nanosecond timestamps
#   mail-v4.pcap        EN10MB, POP3 RETR, IMAP FETCH, SMTP DATA on 127.0.0.1
#   mail-v6.pcap        EN10MB, same over ::1
#   mail-sll.pcap       LINUX_SLL  (tcpdump -i any)
#   mail-sll2.pcap      LINUX_SLL2 (tcpdump -i any -y LINUX_SLL2)
# Captures are real traffic, so their exact bytes differ from run to run.
set -euo pipefail
if [ $# -ne 1 ]; then
    sed -n '2,20p' "$0" >&2
    exit 2
fi
if [ -z "${MAILTAP_CAPTURE_NETNS:-}" ]; then
    exec unshare -n env MAILTAP_CAPTURE_NETNS=1 "$0" "$@"
fi

here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]:-}"; do
        [ -n "$p" ] && kill "$p" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

ip link set lo up

# deterministic content
python3 - "$work" <<'EOF'
import random, sys, os
d = sys.argv[1]
r = random.Random(7)
open(os.path.join(d, "small.txt"), "w").write("hello, mailtap\n" * 7)
open(os.path.join(d, "mid.bin"), "wb").write(bytes(r.getrandbits(8) for _ in range(200000)))
words = "alpha beta gamma delta mail imap pop smtp stream".split()
with open(os.path.join(d, "big.txt"), "w") as f:
    for i in range(40000):
        f.write("%06d %s\r\n" % (i, " ".join(r.choice(words) for _ in range(6))))
with open(os.path.join(d, "msg.eml"), "w") as f:
    f.write("From: a@example.test\r\nTo: b@example.test\r\nSubject: hi\r\n\r\n")
    for i in range(600):
        f.write(("." if i % 50 == 0 else "") + "line %d %s\r\n" % (i, " ".join(r.choice(words) for _ in range(8))))
EOF

start_capture() { # file, extra tcpdump args...
    local f=$1; shift
    tcpdump -q -U --immediate-mode -B 65536 -s 0 "$@" -w "$f" 2>"$work/tcpdump.err" &
    cap=$!
    pids+=("$cap")
    for _ in $(seq 50); do
        grep -q "listening on" "$work/tcpdump.err" 2>/dev/null && break
        sleep 0.1
    done
    sleep 0.2
}
stop_capture() {
    sleep 0.5
    kill -INT "$cap"
    wait "$cap" || true
}

start_http() {
    (cd "$work" && exec python3 -m http.server --bind 127.0.0.1 8000 >/dev/null 2>&1) &
    pids+=("$!"); h4=$!
    (cd "$work" && exec python3 -m http.server --bind ::1 8001 >/dev/null 2>&1) &
    pids+=("$!"); h6=$!
    for _ in $(seq 50); do
        curl -s -o /dev/null http://127.0.0.1:8000/small.txt && curl -s -o /dev/null 'http://[::1]:8001/small.txt' && break
        sleep 0.1
    done
}
stop_http() { kill "$h4" "$h6"; wait "$h4" "$h6" 2>/dev/null || true; }

http_clients() {
    curl -s -o /dev/null http://127.0.0.1:8000/small.txt
    curl -s -o /dev/null 'http://[::1]:8001/mid.bin'
    curl -s -o /dev/null http://127.0.0.1:8000/big.txt
    curl -s -o /dev/null -o /dev/null http://127.0.0.1:8000/small.txt http://127.0.0.1:8000/mid.bin
    curl -s -o /dev/null 'http://[::1]:8001/nonexistent'
}

start_http
start_capture "$out/http-lo.pcap" -i lo
http_clients
stop_capture
start_capture "$out/http-nsec.pcap" -i lo --time-stamp-precision=nano
curl -s -o /dev/null http://127.0.0.1:8000/small.txt
curl -s -o /dev/null 'http://[::1]:8001/mid.bin'
stop_capture
ip link set lo mtu 1500
start_capture "$out/http-mtu1500.pcap" -i lo
http_clients
stop_capture
stop_http

mail_clients() { # host (in URL form)
    local h=$1
    curl -s -o /dev/null -u user:pass "pop3://$h/1"
    curl -s -o /dev/null -u user:pass "imap://$h/INBOX;UID=1"
    curl -s -o /dev/null --mail-from a@example.test --mail-rcpt b@example.test -T "$work/msg.eml" "smtp://$h"
}
run_mail() { # bind-address url-host capture-file tcpdump-args...
    local bind=$1 h=$2 f=$3; shift 3
    python3 "$here/fake-mail-server.py" --host "$bind" --msg-size 30000 >"$work/mail.out" 2>&1 &
    pids+=("$!"); ms=$!
    for _ in $(seq 50); do grep -q ready "$work/mail.out" && break; sleep 0.1; done
    start_capture "$f" "$@"
    mail_clients "$h"
    stop_capture
    kill "$ms"; wait "$ms" 2>/dev/null || true
}
run_mail 127.0.0.1 127.0.0.1 "$out/mail-v4.pcap" -i lo
run_mail ::1 '[::1]' "$out/mail-v6.pcap" -i lo
run_mail 127.0.0.1 127.0.0.1 "$out/mail-sll.pcap" -i any -y LINUX_SLL
run_mail ::1 '[::1]' "$out/mail-sll2.pcap" -i any -y LINUX_SLL2
ls -l "$out"
