#!/bin/bash
# make-tls-bulk.sh - the TLS bulk benchmark captures of `make bench`: one
# real IMAPS session (Dovecot, TLS 1.3, TLS_AES_128_GCM_SHA256) fetching a
# mailbox of at least SIZE MB in one FETCH, recorded with the key log its
# client (Python imaplib, SSLContext.keylog_filename) wrote, and the same
# LOGIN, SELECT and FETCH of the same mailbox in the clear on port 143.
#
#   scripts/make-tls-bulk.sh OUTDIR [SIZE-MB]       (root; default 110)
#
# Writes OUTDIR/tls-bulk.pcap, OUTDIR/tls-bulk.keys (0600) and
# OUTDIR/clear-bulk.pcap.  The test bed (namespace, Dovecot, certificate,
# users) is captures/capture-lib.sh's; nothing leaves the namespace's lo.
# The messages are RFC 5322 text of 256 KiB each, made from a fixed seed.
set -euo pipefail
export LC_ALL=C.UTF-8
umask 022

ME=make-tls-bulk
[[ $# -ge 1 && $# -le 2 ]] || { echo "usage: $0 OUTDIR [SIZE-MB]" >&2; exit 2; }
DEST=$(mkdir -p "$1" && cd "$1" && pwd)
SIZE_MB=${2:-110}
[[ $SIZE_MB =~ ^[0-9]+$ && $SIZE_MB -ge 1 ]] || { echo "$ME: SIZE-MB must be a whole number" >&2; exit 2; }
KEEP=0
ONLY=(tls-bulk clear-bulk)
MAILTAP_NS=${MAILTAP_NS:-mailtap-bulk}
TCPDUMP_BUFFER=${TCPDUMP_BUFFER:-131072}   # KiB: no drops on a fast FETCH
CLIENT_TIMEOUT=${CLIENT_TIMEOUT:-600}
# shellcheck source=../captures/capture-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../captures/capture-lib.sh"

USER_=sam
MSG_SIZE=262144
COUNT=$(( (SIZE_MB * 1000000 + MSG_SIZE - 1) / MSG_SIZE ))
log "seeding ${USER_}'s mailbox with $COUNT messages of $MSG_SIZE bytes"
$PY - "$WORK/mail/$USER_/Maildir/cur" "$COUNT" "$MSG_SIZE" <<'PY'
import os, random, sys
cur, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(1)
words = ("the of and to in is that for it as with was on be at by this had not are but from "
         "or have an they which one you were her all she there would their we him been has when "
         "who will more no if out so said what up its about into than them can only other new "
         "mailbox server message folder quota backup report invoice meeting schedule").split()
for n in range(2, count + 2):   # message 1 is the welcome message
    head = ("From: Report Robot <robot@example.test>\r\nTo: sam@example.test\r\n"
            "Subject: Nightly report %d\r\nDate: Thu, 01 Jan 2026 03:%02d:00 +0000\r\n"
            "Message-ID: <report-%d@example.test>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n" % (n, n % 60, n)).encode()
    body = bytearray(head)
    while len(body) < size:
        line = " ".join(rng.choice(words) for _ in range(rng.randint(4, 14)))
        body += line.encode() + b"\r\n"
    del body[size - 2:]
    body += b"\r\n"
    with open(os.path.join(cur, "1767225600.M%dP1.mail.example.test:2," % n), "wb") as f:
        f.write(body)
PY
chown -R 65534:65534 "$WORK/mail/$USER_"

# TLS 1.3 with TLS_AES_128_GCM_SHA256 only: Python's ssl module cannot set
# TLS 1.3 suites, so the client's OpenSSL gets them from a config file.
cat > "$WORK/tls/openssl.cnf" <<'EOF'
openssl_conf = default_conf
[default_conf]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
Ciphersuites = TLS_AES_128_GCM_SHA256
EOF
chmod 644 "$WORK/tls/openssl.cnf"

want_bytes=$(( (COUNT + 1) * MSG_SIZE ))
check_fetch() {  # NAME: the client fetched every message
    local clog=$WORK/log/client-$1.log got
    got=$(sed -n 's/^fetched: [0-9]* messages, \([0-9]*\) bytes$/\1/p' "$clog")
    [[ -n $got && $got -ge $((COUNT * MSG_SIZE)) ]] || die "$1: fetched ${got:-nothing} (want about $want_bytes bytes)"
    grep -q 'packets dropped by kernel' "$WORK/log/tcpdump-$1.err" \
        && ! grep -q '^0 packets dropped by kernel' "$WORK/log/tcpdump-$1.err" \
        && die "$1: tcpdump dropped packets: $(cat "$WORK/log/tcpdump-$1.err")"
    log "$1: $(grep '^tls:' "$clog" || echo 'no TLS'); fetched $got bytes; $(stat -c %s "$OUT/$1.pcap") bytes of capture"
}

rm -f "$OUT/tls-bulk.keys"
capture tls-bulk 993 ok --allow-rst --lacks "${PW[$USER_]}" --keylog "$OUT/tls-bulk.keys" -- \
    env OPENSSL_CONF="$WORK/tls/openssl.cnf" "${IMAPLIB[@]}" $V4 993 login $USER_ "${PW[$USER_]}" \
    --fetch '1:*' --tls implicit --tls-version 1.3 --keylog "$OUT/tls-bulk.keys"
grep -q '^tls: TLSv1.3 TLS_AES_128_GCM_SHA256$' "$WORK/log/client-tls-bulk.log" \
    || die "tls-bulk: not TLS 1.3 with TLS_AES_128_GCM_SHA256: $(grep '^tls:' "$WORK/log/client-tls-bulk.log")"
check_fetch tls-bulk
capture clear-bulk 143 ok --has "LOGIN $USER_ \"${PW[$USER_]}\"" -- \
    "${IMAPLIB[@]}" $V4 143 login $USER_ "${PW[$USER_]}" --fetch '1:*'
check_fetch clear-bulk

install -m 0644 "$OUT/tls-bulk.pcap" "$OUT/clear-bulk.pcap" "$DEST/"
install -m 0600 "$OUT/tls-bulk.keys" "$DEST/"
log "wrote $DEST/tls-bulk.pcap, $DEST/tls-bulk.keys, $DEST/clear-bulk.pcap"
