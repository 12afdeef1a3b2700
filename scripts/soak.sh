#!/usr/bin/env bash
# Soak test (make soak; not part of make check): live capture for a long
# time at a steady rate. A network namespace of its own holds a veth pair;
# tcpreplay --loop sends a capture into one end at SOAK_MBPS, `mailtap -i`
# reads the other end (--creds, to /dev/null), and every 10 s the script
# writes mailtap's resident memory, the packets the interface received and
# what tcpreplay sent. At the end: mailtap's own summary (packets, drops,
# sessions, limits) and whether memory stayed flat. Needs root.
#   scripts/soak.sh                      (30 minutes, big.pcap of make bench)
#   SOAK_SECS=600 SOAK_MBPS=200 SOAK_PCAP=file.pcap scripts/soak.sh
# Exits 1 if the last quarter's peak memory is more than SOAK_GROWTH (10%)
# above the second quarter's, or mailtap died.
set -euo pipefail
cd "$(dirname "$0")/.."
MAILTAP=$(readlink -f "${MAILTAP:-./mailtap}")
SECS=${SOAK_SECS:-1800}
MBPS=${SOAK_MBPS:-100}
PCAP=${SOAK_PCAP:-build/bench/big.pcap}
GROWTH=${SOAK_GROWTH:-10}
NS=mailtap-soak
OUT=${SOAK_OUT:-build/soak}
[ "$(id -u)" = 0 ] || { echo "soak: needs root (a network namespace)" >&2; exit 1; }
command -v tcpreplay >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tcpreplay >/dev/null
[ -f "$PCAP" ] || python3 scripts/make-big-capture.py "$PCAP" --size-mb 320 --seed 1 captures/*.pcap
mkdir -p "$OUT"

cleanup() {
    [ -n "${REPLAY_PID:-}" ] && kill "$REPLAY_PID" 2>/dev/null
    [ -n "${MT_PID:-}" ] && kill "$MT_PID" 2>/dev/null
    sleep 0.5
    ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT
ip netns del "$NS" 2>/dev/null || true
ip netns add "$NS"
nsx() { ip netns exec "$NS" "$@"; }
nsx ip link set lo up
nsx ip link add soak-a type veth peer name soak-b
nsx ip link set soak-a up
nsx ip link set soak-b up
# Frames as big as the capture's (no offload merging on the way).
nsx ip link set soak-a mtu 9000
nsx ip link set soak-b mtu 9000

# Started with ip netns exec itself (not the nsx function), so that $! is
# the program: ip netns exec execs it in place.
ip netns exec "$NS" "$MAILTAP" -i soak-b -Z root --creds >/dev/null 2>"$OUT/mailtap.err" &
MT_PID=$!
sleep 1
ip netns exec "$NS" tcpreplay --intf1=soak-a --mbps="$MBPS" --loop=0 "$PCAP" \
    >"$OUT/tcpreplay.log" 2>&1 &
REPLAY_PID=$!

log=$OUT/soak.tsv
printf 'seconds\trss_kib\trx_packets\n' >"$log"
start=$(date +%s)
while :; do
    now=$(($(date +%s) - start))
    [ "$now" -ge "$SECS" ] && break
    kill -0 "$MT_PID" 2>/dev/null || { echo "soak: mailtap died" >&2; cat "$OUT/mailtap.err" >&2; exit 1; }
    rss=$(awk '/VmRSS/ {print $2}' /proc/"$MT_PID"/status)
    rx=$(nsx cat /sys/class/net/soak-b/statistics/rx_packets)
    printf '%s\t%s\t%s\n' "$now" "$rss" "$rx" >>"$log"
    sleep 10
done
kill -INT "$MT_PID"
wait "$MT_PID" || true
MT_PID=
kill "$REPLAY_PID" 2>/dev/null || true
wait "$REPLAY_PID" 2>/dev/null || true
REPLAY_PID=
echo "soak: ${SECS} s at ${MBPS} Mbit/s of $(basename "$PCAP"); every 10 s in $log"
sed 's/^/  /' "$OUT/mailtap.err"
python3 - "$log" "$GROWTH" <<'PY'
import sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().split("\n")[1:] if l]
rss = [int(r[1]) for r in rows]
q = max(1, len(rss) // 4)
second, last = max(rss[q:2 * q] or rss), max(rss[-q:])
print("  RSS: first %d KiB, peak of the second quarter %d KiB, of the last %d KiB, max %d KiB"
      % (rss[0], second, last, max(rss)))
sys.exit(0 if last <= second * (1 + float(sys.argv[2]) / 100) else 1)
PY
