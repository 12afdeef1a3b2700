#!/usr/bin/env bash
# Benchmark: makes a large capture (>= 320 MB, not committed) from the real
# captures in captures/, then measures mailtap's wall time, throughput and peak
# resident memory over it in each output mode; then a TLS bulk session read
# with its key log beside the same one in the clear and beside tshark
# (captures made by scripts/make-tls-bulk.sh, as root, once). Results:
# docs/performance.md.
#   scripts/bench.sh                 (or: make bench)
#   BENCH_SIZE_MB=1000 scripts/bench.sh
# Exits 1 if peak memory exceeds BENCH_MAX_RSS_MB (default 64).
set -euo pipefail
cd "$(dirname "$0")/.."
MAILTAP=${MAILTAP:-./mailtap}
DIR=${BENCH_DIR:-build/bench}
SIZE=${BENCH_SIZE_MB:-320}
MAX_RSS=${BENCH_MAX_RSS_MB:-64}
mkdir -p "$DIR"

make_capture() { # OUT EXTRA-ARGS...
    local out=$1
    shift
    if [ ! -f "$out" ] || [ "$(stat -c %s "$out")" -lt $((SIZE * 1000000)) ]; then
        python3 scripts/make-big-capture.py "$out" --size-mb "$SIZE" --seed 1 "$@" captures/*.pcap
    fi
}
make_capture "$DIR/big.pcap"
make_capture "$DIR/big-lossy.pcap" --loss 1 --reorder 2

# Runs a command, prints seconds and peak RSS of the child (MiB).
measure() {
    python3 - "$@" <<'PY'
import os, resource, subprocess, sys, tempfile, time
# A child's ru_maxrss counts the forked Python before the exec; GNU time's
# child is small, so its figure is the program's own.
gnu_time = os.access("/usr/bin/time", os.X_OK)
tmp = tempfile.NamedTemporaryFile(mode="r")
cmd = (["/usr/bin/time", "-f", "%M", "-o", tmp.name] if gnu_time else []) + sys.argv[1:]
t = time.monotonic()
r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
secs = time.monotonic() - t
rss = (int(tmp.read().split()[-1]) if gnu_time and r.returncode == 0
       else resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
if r.returncode != 0:
    sys.stderr.write(r.stderr.decode(errors="replace"))
    sys.exit(r.returncode)
print(f"{secs:.2f} {rss:.1f}")
PY
}

fail=0
printf '%-34s %10s %10s %12s %14s\n' "run" "size MB" "seconds" "MB/s" "peak RSS MiB"
for cap in "$DIR/big.pcap" "$DIR/big-lossy.pcap"; do
    mb=$(($(stat -c %s "$cap") / 1000000))
    for mode in follow creds json export; do
        rm -rf "$DIR/export"
        if [ $mode = export ]; then
            res=$(measure "$MAILTAP" -q -r "$cap" --export "$DIR/export")
        else
            res=$(measure "$MAILTAP" -q -r "$cap" --$mode)
        fi
        read -r secs rss <<<"$res"
        rate=$(python3 -c "print(f'{$mb / max($secs, 0.001):.0f}')")
        printf '%-34s %10s %10s %12s %14s\n' "$(basename "$cap") --$mode" "$mb" "$secs" "$rate" "$rss"
        if python3 -c "import sys; sys.exit(0 if $rss <= $MAX_RSS else 1)"; then :; else
            echo "bench: peak RSS ${rss} MiB is over ${MAX_RSS} MiB" >&2
            fail=1
        fi
    done
done
rm -rf "$DIR/export"
"$MAILTAP" -r "$DIR/big-lossy.pcap" --export "$DIR/export" 2>&1 >/dev/null | sed 's/^/  /'
rm -rf "$DIR/export"

# TLS: one IMAPS session fetching >= 100 MB (TLS 1.3, AES-128-GCM) read
# with its key log, beside the same FETCH in the clear and beside tshark
# decrypting it with the same key log; made once by scripts/make-tls-bulk.sh
# (real Dovecot and Python imaplib in a namespace: needs root).
tls=$DIR/tls-bulk.pcap keys=$DIR/tls-bulk.keys clear=$DIR/clear-bulk.pcap
if [ ! -f "$tls" ] || [ ! -f "$keys" ] || [ ! -f "$clear" ]; then
    if [ "$(id -u)" = 0 ]; then
        scripts/make-tls-bulk.sh "$DIR" "${BENCH_TLS_MB:-110}"
    else
        echo "bench: $tls is missing and making it needs root (scripts/make-tls-bulk.sh $DIR)" >&2
        fail=1
    fi
fi
if [ -f "$tls" ] && [ -f "$keys" ] && [ -f "$clear" ]; then
    # The same credential, whether read in the clear or inside TLS.
    a=$("$MAILTAP" -q -r "$clear" --creds | awk 'NR > 1 {print $5, $6, $7, $8}')
    b=$("$MAILTAP" -q -r "$tls" --keylog "$keys" --creds | awk 'NR > 1 {print $5, $6, $7, $8}')
    if [ -z "$a" ] || [ "$a" != "$b" ]; then
        echo "bench: the TLS bulk capture gives other credentials than the clear one: '$b' / '$a'" >&2
        fail=1
    fi
    tshark_cmd=()
    if command -v tshark >/dev/null; then
        tshark_cmd=(tshark -n -q -r "$tls" -o "tls.keylog_file:$keys" -z credentials)
    else
        echo "bench: tshark not installed: the TLS run is not compared with it" >&2
        fail=1
    fi
    python3 - "$MAILTAP" "$tls" "$keys" "$clear" "${BENCH_RUNS:-5}" "${tshark_cmd[@]}" <<'PY' || fail=1
import os, subprocess, sys, time
mailtap, tls, keys, clear, runs = sys.argv[1:6]
tshark = sys.argv[6:]
runs = int(runs)
cmds = {
    "clear --creds": [mailtap, "-q", "-r", clear, "--creds"],
    "TLS --keylog --creds": [mailtap, "-q", "-r", tls, "--keylog", keys, "--creds"],
    "TLS, no key log, --creds": [mailtap, "-q", "-r", tls, "--creds"],
}
if tshark:
    cmds["tshark -z credentials, key log"] = tshark
best = {k: float("inf") for k in cmds}
rss = {k: 0.0 for k in cmds}
for _ in range(runs):  # side by side: one run of each in turn
    for name, cmd in cmds.items():
        t = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        secs = time.monotonic() - t
        if status != 0:
            sys.exit("bench: %s failed (status %d)" % (" ".join(cmd), status))
        best[name] = min(best[name], secs)
        rss[name] = max(rss[name], ru.ru_maxrss / 1024)
# A child's ru_maxrss counts the forked Python before the exec; GNU time's
# child is small, so its figure is the program's own.
if os.access("/usr/bin/time", os.X_OK):
    for name, cmd in cmds.items():
        r = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", "/dev/stdout"] + cmd,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        rss[name] = int(r.stdout.split()[-1]) / 1024
mb = os.path.getsize(tls) / 1e6
for name in cmds:
    print("%-34s %10.0f %10.3f %12.0f %14.1f" % (name, mb, best[name], mb / best[name], rss[name]))
r_clear = best["TLS --keylog --creds"] / best["clear --creds"]
line = "TLS --creds / clear --creds: %.2fx (goal <= 2)" % r_clear
ok = r_clear <= 2 and rss["TLS --keylog --creds"] <= 32
if tshark:
    r_ts = best["TLS --keylog --creds"] / best["tshark -z credentials, key log"]
    line += "; / tshark: %.3fx (goal <= 0.1)" % r_ts
    ok = ok and r_ts <= 0.1
print("  minimum of %d runs each; %s; peak RSS %.1f MiB (goal <= 32)"
      % (runs, line, rss["TLS --keylog --creds"]))
if not ok:
    sys.exit("bench: a TLS goal is not met")
PY
fi

# The terminal interface on the large capture, in a real terminal (tmux):
# how long until the session list shows, until every packet is read, and
# the peak memory of the process (its transcripts go to a spool file).
if command -v tmux >/dev/null; then
    cap=$DIR/big.pcap
    total=$("$MAILTAP" -r "$cap" --creds 2>&1 >/dev/null | sed -n 's/^mailtap: \([0-9]*\) packets.*/\1/p')
    sock=$(mktemp -u)
    tm="tmux -S $sock"
    start=$(date +%s.%N)
    $tm -f /dev/null new-session -d -x 120 -y 40 \
        "exec env LANG=C.UTF-8 TERM=xterm-256color $(readlink -f "$MAILTAP") -q -r $(readlink -f "$cap") --tui"
    pid=$($tm list-panes -F '#{pane_pid}')
    shown="" done=""
    for _ in $(seq 600); do
        screen=$($tm capture-pane -p)
        if [ -z "$shown" ] && echo "$screen" | grep -qE '^ +1 .* -> '; then
            shown=$(python3 -c "print(f'{$(date +%s.%N) - $start:.2f}')")
        fi
        if echo "$screen" | grep -q " $total packets "; then
            done=$(python3 -c "print(f'{$(date +%s.%N) - $start:.2f}')")
            break
        fi
        sleep 0.05
    done
    rss=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' /proc/"$pid"/status 2>/dev/null)
    $tm send-keys q
    sleep 0.5
    $tm kill-server 2>/dev/null || true
    printf '%-34s %10s %10s %12s %14s\n' "big.pcap --tui: list shown" "$(($(stat -c %s "$cap") / 1000000))" \
        "${shown:-never}" "" "$rss"
    printf '%-34s %10s %10s %12s %14s\n' "big.pcap --tui: all read" "" "${done:-never}" "" "$rss"
    if [ -z "$shown" ] || python3 -c "import sys; sys.exit(0 if $shown <= 2 else 1)"; then :; else
        echo "bench: the session list took ${shown} s to show (target 2 s)" >&2
        fail=1
    fi
    if [ -n "$rss" ] && ! python3 -c "import sys; sys.exit(0 if $rss <= $MAX_RSS else 1)"; then
        echo "bench: --tui peak RSS ${rss} MiB is over ${MAX_RSS} MiB" >&2
        fail=1
    fi
else
    echo "bench: tmux not installed: --tui not measured" >&2
    fail=1
fi
# The speed goals (docs/performance.md): one IMAP session fetching 1600
# bodies of 256 KB in MTU-sized segments, and about 6000 short login
# sessions, each beside the libpcap read floor (tests/bench/floor.c: every
# packet read and each of its bytes touched) and tshark; side by side, the
# minimum of BENCH_RUNS (5) runs.
bulk=$DIR/bulk.pcap logins=$DIR/logins.pcap floor=$DIR/floor
[ -f "$bulk" ] || python3 scripts/make-bulk-capture.py "$bulk"
[ -f "$logins" ] || python3 scripts/make-big-capture.py "$logins" --size-mb 16 --replay-ratio 1 \
    --concurrency 32 --seed 7 captures/imap-login-ok.pcap captures/pop3-user-pass-ok.pcap \
    captures/smtp-auth-plain-ok.pcap >/dev/null
cc -O2 -o "$floor" tests/bench/floor.c $(pkg-config --cflags --libs libpcap 2>/dev/null || echo -lpcap)
python3 - "$MAILTAP" "$floor" "$bulk" "$logins" "${BENCH_RUNS:-5}" <<'PY' || fail=1
import os, shutil, subprocess, sys, time
mailtap, floor, bulk, logins, runs = sys.argv[1:6]
cmds = {
    "floor bulk": [floor, bulk],
    "bulk --creds": [mailtap, "-q", "-r", bulk, "--creds"],
    "bulk --follow": [mailtap, "-q", "-r", bulk, "--follow"],
    "bulk --json": [mailtap, "-q", "-r", bulk, "--json"],
    "floor logins": [floor, logins],
    "logins --creds": [mailtap, "-q", "-r", logins, "--creds"],
}
if shutil.which("tshark"):
    cmds["tshark bulk -z credentials"] = ["tshark", "-n", "-q", "-r", bulk, "-z", "credentials"]
best = {k: float("inf") for k in cmds}
rss = {k: 0.0 for k in cmds}
for _ in range(int(runs)):
    for name, cmd in cmds.items():
        t = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        if status != 0:
            sys.exit("bench: %s failed" % " ".join(cmd))
        best[name] = min(best[name], time.monotonic() - t)
        rss[name] = max(rss[name], ru.ru_maxrss / 1024)
# ru_maxrss of a child counts the forked Python: GNU time's figure is the program's own.
if os.access("/usr/bin/time", os.X_OK):
    for name, cmd in cmds.items():
        r = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", "/dev/stdout"] + cmd,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        rss[name] = int(r.stdout.split()[-1]) / 1024
for name in cmds:
    size = os.path.getsize(bulk if "bulk" in name else logins) / 1e6
    print("%-34s %10.0f %10.3f %12.0f %14.1f" % (name, size, best[name], size / best[name], rss[name]))
goals = [("bulk --creds / floor", best["bulk --creds"] / best["floor bulk"], 2.0),
         ("logins --creds / floor", best["logins --creds"] / best["floor logins"], 4.0),
         ("bulk --json / --follow", best["bulk --json"] / best["bulk --follow"], 1.3)]
if "tshark bulk -z credentials" in best:
    goals.append(("bulk --creds / tshark", best["bulk --creds"] / best["tshark bulk -z credentials"], 0.04))
worst_rss = max(v for k, v in rss.items() if not k.startswith(("floor", "tshark")))
ok = True
for name, ratio, goal in goals:
    held = ratio <= goal
    ok &= held
    print("%-34s %.3fx (goal <= %sx): %s" % (name, ratio, goal, "holds" if held else "DOES NOT HOLD"))
print("peak RSS of mailtap above: %.1f MiB (goal <= 32): %s" % (worst_rss, "holds" if worst_rss <= 32 else "DOES NOT HOLD"))
sys.exit(0 if ok and worst_rss <= 32 else 1)
PY

exit $fail
