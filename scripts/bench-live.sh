#!/usr/bin/env bash
# bench-live.sh - how fast live capture keeps up (make bench-live; root).
#
# In a network namespace it makes, with a veth pair: the bulk FETCH and the
# login captures of `make bench` (build/bench/bulk.pcap, logins.pcap) are
# replayed with tcpreplay into one end at rates stepped up from
# BENCH_LIVE_RATES (Mbit/s), while `mailtap -i ... --creds` and `tcpdump -w
# /dev/null` read the other end at the same time. Prints, per capture and
# rate, the packets each received and the kernel dropped, and each one's
# highest rate with no drop. Results: docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
MAILTAP=${MAILTAP:-$PWD/mailtap}
DIR=${BENCH_DIR:-build/bench}
RATES=${BENCH_LIVE_RATES:-"100 400 1600 top"}  # top: as fast as tcpreplay can
NS=mailtap-benchlive-$$
[ "$(id -u)" = 0 ] || { echo "bench-live: needs root (a namespace, packet sockets)" >&2; exit 1; }
for t in tcpreplay tcpdump; do
    command -v $t >/dev/null || { echo "bench-live: $t is not installed" >&2; exit 1; }
done
[ -f "$DIR/bulk.pcap" ] || python3 scripts/make-bulk-capture.py "$DIR/bulk.pcap"
[ -f "$DIR/logins.pcap" ] || python3 scripts/make-big-capture.py "$DIR/logins.pcap" --size-mb 16 \
    --replay-ratio 1 --concurrency 32 --seed 7 captures/imap-login-ok.pcap \
    captures/pop3-user-pass-ok.pcap captures/smtp-auth-plain-ok.pcap >/dev/null
TMP=$(mktemp -d)
cleanup() { ip netns del "$NS" 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT
ip netns add "$NS"
ip -n "$NS" link add va type veth peer name vb
ip -n "$NS" link set va up
ip -n "$NS" link set vb up

printf '%-12s %6s %8s %12s %10s %12s %10s\n' capture asked "Mbit/s" "mailtap got" dropped \
    "tcpdump got" dropped
for cap in "$DIR/bulk.pcap" "$DIR/logins.pcap"; do
    best_m=0 best_t=0
    for rate in $RATES; do
        ip netns exec "$NS" "$MAILTAP" -i vb --creds -Z root >/dev/null 2>"$TMP/m" &
        m=$!
        ip netns exec "$NS" tcpdump -i vb -w /dev/null 2>"$TMP/t" &
        t=$!
        sleep 1.5
        speed=(--mbps "$rate")
        [ "$rate" = top ] && speed=(--topspeed)
        ip netns exec "$NS" tcpreplay -i va "${speed[@]}" "$cap" >"$TMP/r" 2>&1
        real=$(awk '/Rated:/ {for (i = 1; i <= NF; i++) if ($i ~ /^Mbps/) print int($(i - 1))}' "$TMP/r" | head -1)
        sleep 1.5
        kill -INT $m $t
        wait $m $t || true
        mg=$(awk '/^mailtap: [0-9]+ packets \(/ {print $2}' "$TMP/m")
        md=$(awk '/packets dropped by the kernel/ {print $2}' "$TMP/m")
        tg=$(awk '/packets captured/ {print $1}' "$TMP/t")
        td=$(awk '/dropped by kernel/ {print $1}' "$TMP/t")
        printf '%-12s %6s %8s %12s %10s %12s %10s\n' "$(basename "$cap")" "$rate" "${real:-?}" \
            "${mg:-?}" "${md:-?}" "${tg:-?}" "${td:-?}"
        [ "${md:-1}" = 0 ] && best_m=${real:-$rate}
        [ "${td:-1}" = 0 ] && best_t=${real:-$rate}
    done
    echo "$(basename "$cap"): highest rate with no drop: mailtap $best_m Mbit/s, tcpdump $best_t Mbit/s"
done
