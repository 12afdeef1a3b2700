#!/usr/bin/env bash
# End-to-end tests: runs ./mailtap over every capture in captures/ and checks
#  - --export is byte-identical to tcpflow's output,
#  - a mangled copy (reordered, duplicated, overlapping, 1-3 byte segments)
#    exports the same streams, and gives the same messages and credentials,
#  - --follow, --creds and --json match the expected output in
#    tests/e2e/expected/ (NAME.follow, NAME.creds, NAME.json),
#  - --json is valid and documented, and its credentials are exactly those
#    captures/expected.tsv lists (written when the captures were made),
#  - --mask never shows a password in any output,
#  - --replay=10 plays a capture at ten times its pace (timed) and says
#    exactly what it says without --replay,
#  - errors give one clear line and the documented exit status.
# Usage: MAILTAP=/path/to/mailtap tests/e2e/run.sh [--update]
#   --update rewrites the expected outputs from the current binary (review
#   the diff before committing it).
set -u
cd "$(dirname "$0")/../.."
MAILTAP=${MAILTAP:-$PWD/mailtap}
UPDATE=0
[ "${1:-}" = "--update" ] && UPDATE=1
PY=${PYTHON:-python3}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
unset NO_COLOR

pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "FAIL: $*"
}

# check NAME EXPECTED_STATUS STDERR_PATTERN -- command...
# Runs a command, checks its exit status and that stderr matches a pattern
# and, when the status is nonzero, is a single line (plus usage lines).
check_status() {
    local name=$1 want=$2 pattern=$3
    shift 4
    "$@" >"$TMP/out" 2>"$TMP/err"
    local got=$?
    if [ "$got" != "$want" ]; then
        bad "$name: exit status $got, wanted $want; stderr: $(head -3 "$TMP/err")"
    elif ! grep -Eq -- "$pattern" "$TMP/err"; then
        bad "$name: stderr does not match /$pattern/: $(head -3 "$TMP/err")"
    elif grep -q 'Sanitizer\|runtime error' "$TMP/err"; then
        bad "$name: sanitizer report: $(grep -m1 'Sanitizer\|runtime error' "$TMP/err")"
    else
        ok
    fi
}

captures=$(ls captures/*.pcap captures/*.pcapng 2>/dev/null | sort)
if [ -z "$captures" ]; then
    bad "no captures in captures/"
fi
command -v tcpflow >/dev/null || bad "tcpflow is not installed (.ci/run installs it)"

for cap in $captures; do
    name=$(basename "$cap")
    name=${name%.*}
    exposure=$(awk -F'\t' -v f="$name" '$1 == f ".pcap" || $1 == f ".pcapng" {print $10}' \
        captures/expected.tsv)
    # A TLS capture is read with the key log its client wrote (NAME.keys),
    # or with the secrets a pcapng carries: every run below decrypts it.
    KEYS=()
    [ -f "captures/$name.keys" ] && KEYS=(--keylog "captures/$name.keys")
    decrypted=
    [ "$exposure" = tls-keylog ] && decrypted=--decrypted

    # 1. --export equals tcpflow (the decrypted files aside).
    rm -rf "$TMP/mt" "$TMP/tf"
    mkdir -p "$TMP/tf"
    if ! "$MAILTAP" -q -r "$cap" "${KEYS[@]}" --export "$TMP/mt" 2>"$TMP/err"; then
        bad "$name: --export failed: $(head -3 "$TMP/err")"
        continue
    fi
    if [ -s "$TMP/err" ]; then
        bad "$name: --export -q wrote to stderr: $(head -3 "$TMP/err")"
    fi
    (cd "$TMP/tf" && tcpflow -r "$OLDPWD/$cap" >/dev/null 2>&1)
    rm -f "$TMP/tf/report.xml"
    if [ -z "$(ls "$TMP/tf")" ]; then
        bad "$name: tcpflow found no streams"
    elif diff -r -x '*.decrypted' "$TMP/tf" "$TMP/mt" >"$TMP/diff"; then
        ok
    else
        bad "$name: --export differs from tcpflow: $(head -5 "$TMP/diff")"
    fi
    if [ -n "$decrypted" ]; then
        # Beside each direction's file, its decrypted bytes (0600): the
        # client's hold its login command.
        user=$(awk -F'\t' -v f="$name" '$1 == f ".pcap" || $1 == f ".pcapng" {print $7}' \
            captures/expected.tsv)
        n=$(ls "$TMP/mt" | grep -c '\.decrypted$')
        modes=$(stat -c %a "$TMP/mt"/* | sort -u | tr '\n' ' ')
        if [ "$n" = 2 ] && [ "$modes" = "600 " ] &&
            { cat "$TMP/mt"/*.decrypted | grep -qaF -- "$user" ||
                cat "$TMP/mt"/*.decrypted | grep -qa 'AUTH'; }; then ok; else
            bad "$name: --export: $n decrypted files, modes $modes, user $user not in them"
        fi
    fi

    "$MAILTAP" -q -r "$cap" "${KEYS[@]}" --json >"$TMP/clean.json" 2>/dev/null

    # 2. A mangled copy exports the same streams and says the same
    # (pcap-mangle.py reads classic pcap only: not for a pcapng). A capture
    # that starts mid-session has no handshake to say where its streams
    # begin: the first segment seen is their start, and mangling changes it.
    seeds="1 2"
    case $cap in *.pcapng | *-midsession.pcap) seeds= ;; esac
    for seed in $seeds; do
        rm -rf "$TMP/mg"
        if ! $PY tests/tools/pcap-mangle.py "$cap" "$TMP/mangled.pcap" --seed "$seed" >/dev/null 2>"$TMP/err"; then
            bad "$name: pcap-mangle.py failed: $(tail -2 "$TMP/err")"
            continue
        fi
        if ! "$MAILTAP" -q -r "$TMP/mangled.pcap" "${KEYS[@]}" --export "$TMP/mg" 2>"$TMP/err"; then
            bad "$name (mangled, seed $seed): mailtap failed: $(head -3 "$TMP/err")"
        elif diff -r "$TMP/mt" "$TMP/mg" >"$TMP/diff"; then
            ok
        else
            bad "$name (mangled, seed $seed): streams differ: $(head -5 "$TMP/diff")"
        fi
        "$MAILTAP" -q -r "$TMP/mangled.pcap" "${KEYS[@]}" --json >"$TMP/mangled.json" 2>/dev/null
        if res=$($PY tests/e2e/check-json.py same "$TMP/clean.json" "$TMP/mangled.json"); then
            ok
        else
            bad "$name (mangled, seed $seed): --json differs: $res"
        fi
    done

    # 2b. A TLS capture behind two VLAN tags, its sequence numbers passing
    # 2^32 early on: decrypted the same.
    case $decrypted:$cap in --decrypted:*.pcap)
        $PY tests/tools/pcap-relink.py "$cap" "$TMP/wrapped.pcap" --linktype en10mb --vlan 10,20 \
            --seq-wrap 2>/dev/null
        "$MAILTAP" -q -r "$TMP/wrapped.pcap" "${KEYS[@]}" --json >"$TMP/wrapped.json" 2>/dev/null
        if grep -q '"type":"credential"' "$TMP/wrapped.json" &&
            res=$($PY tests/e2e/check-json.py same "$TMP/clean.json" "$TMP/wrapped.json"); then ok
        else
            bad "$name (VLAN, sequence wrap): --json differs: $res"
        fi
        ;;
    esac

    # 3. --follow, --creds and --json against the expected output (no color
    # when not a terminal).
    for mode in follow creds json; do
        exp=tests/e2e/expected/$name.$mode
        "$MAILTAP" -q -r "$cap" "${KEYS[@]}" --$mode >"$TMP/out.$mode" 2>"$TMP/err"
        st=$?
        if [ $st -ne 0 ]; then
            bad "$name: --$mode exit status $st: $(head -3 "$TMP/err")"
        elif [ $UPDATE = 1 ]; then
            mkdir -p tests/e2e/expected
            cp "$TMP/out.$mode" "$exp"
            ok
        elif [ ! -f "$exp" ]; then
            bad "$name: no expected output $exp (run tests/e2e/run.sh --update)"
        elif cmp -s "$exp" "$TMP/out.$mode"; then
            ok
        else
            bad "$name: --$mode differs from $exp: $(diff "$exp" "$TMP/out.$mode" | head -5)"
        fi
        if grep -q $'\033' "$TMP/out.$mode"; then
            bad "$name: --$mode to a pipe contains escape sequences"
        fi
    done

    # 4. JSON is valid and documented; its credentials are the true ones.
    if res=$($PY tests/e2e/check-json.py valid "$TMP/out.json"); then ok; else
        bad "$name: invalid --json: $res"
    fi
    if res=$($PY tests/e2e/check-json.py truth captures/expected.tsv "$name" "$TMP/out.json" \
        $decrypted); then
        ok
    else
        bad "$name: credentials: $res"
    fi
    if [ -n "$decrypted" ] && [ ${#KEYS[@]} -gt 0 ]; then
        # Without its key log: TLS, and nothing read inside.
        "$MAILTAP" -q -r "$cap" --json >"$TMP/nokeys.json" 2>/dev/null
        if res=$($PY tests/e2e/check-json.py truth captures/expected.tsv "$name" \
            "$TMP/nokeys.json"); then ok; else
            bad "$name: without the key log: $res"
        fi
        # With another capture's key log: nothing read, and the summary
        # names this session's client random as missing.
        other=captures/imaps-tls13-login-keylog.keys
        [ "captures/$name.keys" = "$other" ] && other=captures/pop3s-tls13-chacha20-auth-login-keylog.keys
        "$MAILTAP" -r "$cap" --keylog "$other" --json >"$TMP/foreign.json" 2>"$TMP/err"
        random=$(grep -o '"client_random":"[0-9a-f]*"' "$TMP/foreign.json" | cut -d'"' -f4)
        if [ -n "$random" ] && ! grep -q '"type":"credential"' "$TMP/foreign.json" &&
            grep -q "no key in the key logs for 1 TLS sessions: session 1 (CLIENT_RANDOM $random)" \
                "$TMP/err" && grep -q '"reason":"no_key"' "$TMP/foreign.json"; then ok; else
            bad "$name: with a foreign key log: $(grep -m1 'no key\|credential' "$TMP/err")"
        fi
    fi

    # 5. --mask: no password in any output.
    "$MAILTAP" -q -r "$cap" "${KEYS[@]}" --json --mask >"$TMP/mask.json" 2>/dev/null
    if res=$($PY tests/e2e/check-json.py masked captures/expected.tsv "$name" "$TMP/mask.json" \
        $decrypted); then
        ok
    else
        bad "$name: --json --mask: $res"
    fi
    pw=$(awk -F'\t' -v f="$name.pcap" '$1 == f && ($10 == "cleartext" || $10 == "token" ||
        ($10 == "tls-keylog" && $6 != "CRAM-MD5" && $6 != "DIGEST-MD5")) {print $8}' \
        captures/expected.tsv)
    if [ -n "$pw" ]; then
        for mode in follow creds; do
            "$MAILTAP" -q -r "$cap" "${KEYS[@]}" --$mode --mask >"$TMP/mask.out" 2>/dev/null
            if grep -qF -- "$pw" "$TMP/mask.out"; then
                bad "$name: --$mode --mask shows the password"
            elif ! grep -qF -- "$pw" "$TMP/out.$mode"; then
                bad "$name: --$mode without --mask does not show the password"
            else
                ok
            fi
        done
    fi

    # 6. Message bodies quoting login commands (also inside TLS, decrypted):
    # the decoy is shown as content, and no credential comes from it.
    case $name in *decoy*)
        if grep -q 'mallory' "$TMP/out.follow" && ! grep -qi 'mallory' "$TMP/out.creds" &&
            ! grep '"type":"credential"' "$TMP/out.json" | grep -qi mallory; then
            ok
        else
            bad "$name: the decoy login in the message body is missing or taken for a credential"
        fi
        ;;
    esac
done

# --- A key log that grows while mailtap reads --------------------------------
# The capture comes on standard input; its key log is empty when mailtap
# opens it, and is written only after the server's first flight (its
# first encrypted records) has been read: those are held, the key log is
# read again, and the session is decrypted all the same.
grow=captures/imaps-tls13-login-keylog
if [ -f "$grow.keys" ]; then
    for first in 5 7; do
        : >"$TMP/grow.keys"
        $PY tests/e2e/stream-pcap.py "$grow.pcap" $first "$grow.keys" "$TMP/grow.keys" |
            "$MAILTAP" -r - --keylog "$TMP/grow.keys" --creds >"$TMP/out" 2>"$TMP/err"
        if grep -q 'alice .*Wonderland-42' "$TMP/out" &&
            grep -q '1 sessions encrypted with TLS (1 decrypted, 0 without a key, 0 that could not be read)' \
                "$TMP/err" && grep -q 'key logs: 4 secrets of 1 TLS sessions' "$TMP/err"; then ok
        else
            bad "growing key log (first $first frames before it): $(cat "$TMP/out" "$TMP/err" | head -8)"
        fi
    done
fi

# The key log written a moment late, as a live client writes it: the TLS
# 1.2 master secret only after the server's Finished (the client's own
# Finished, held for it, is read first), and TLS 1.3 handshake secrets at
# once but the traffic secrets only after both Finished messages (the
# records after them are held for those).
late_key() { # NAME FRAMES REGEX-OF-LINES-THERE-FROM-THE-START USER PASSWORD
    local cap=captures/$1
    [ -f "$cap.keys" ] || return 0
    grep -E "$3" "$cap.keys" >"$TMP/grow.keys" || :
    grep -vE "$3" "$cap.keys" >"$TMP/rest.keys" || :
    $PY tests/e2e/stream-pcap.py "$cap.pcap" "$2" "$TMP/rest.keys" "$TMP/grow.keys" |
        "$MAILTAP" -r - --keylog "$TMP/grow.keys" --creds >"$TMP/out" 2>"$TMP/err"
    if grep -q "$4 .*$5" "$TMP/out" && grep -q ' success ' "$TMP/out" &&
        grep -q '(1 decrypted, 0 without a key, 0 that could not be read)' "$TMP/err" &&
        ! grep -q 'not readable' "$TMP/err"; then ok
    else
        bad "key log written late ($1, after $2 frames): $(cat "$TMP/out" "$TMP/err" | head -8)"
    fi
}
late_key pop3-stls-tls12-aes256gcm-user-pass-keylog 12 '^#' carol Carol-POP3-pass
late_key imaps-tls13-login-keylog 6 '_HANDSHAKE_TRAFFIC_SECRET' alice Wonderland-42
late_key smtps-tls12-resumed-ticket-keylog 8 '^#' jack Jack-Pipeline-5

# Hostile variants of a TLS session (tests/tools/pcap-tls-tamper.py): text
# from the server before the ClientHello (an injected banner) does not keep
# the session from being read; a ClientHello too long to read is TLS that
# cannot be read, and none of its records is shown as text.
tls=captures/imaps-tls13-login-keylog
if [ -f "$tls.keys" ]; then
    $PY tests/tools/pcap-tls-tamper.py "$tls.pcap" "$TMP/t.pcap" --server-text '* OK fake banner\r\n'
    "$MAILTAP" -r "$TMP/t.pcap" --keylog "$tls.keys" >"$TMP/out" 2>"$TMP/err"
    if grep -q 'S OK .*\* OK fake banner' "$TMP/out" && grep -q 'not TLS before the client' "$TMP/out" &&
        grep -q 'credential: imap LOGIN via LOGIN, user alice, password Wonderland-42: success' "$TMP/out" &&
        grep -q '(1 decrypted, 0 without a key, 0 that could not be read)' "$TMP/err"; then ok
    else
        bad "server text before the ClientHello: $(head -5 "$TMP/out") $(cat "$TMP/err")"
    fi
    $PY tests/tools/pcap-tls-tamper.py "$tls.pcap" "$TMP/t.pcap" --hello-length 16896
    "$MAILTAP" -r "$TMP/t.pcap" --keylog "$tls.keys" >"$TMP/out" 2>"$TMP/err"
    if grep -q 'not decrypted: version or cipher suite not supported' "$TMP/out" &&
        ! grep -q '^[CS] ' "$TMP/out" &&
        grep -q '(0 decrypted, 0 without a key, 1 that could not be read)' "$TMP/err"; then ok
    else
        bad "ClientHello too long to read: $(head -5 "$TMP/out") $(cat "$TMP/err")"
    fi
fi

# --- Sources and options -------------------------------------------------
first=$(echo "$captures" | head -1)
if [ -n "$first" ]; then
    # Standard input gives the same transcript as the file.
    "$MAILTAP" -q -r "$first" >"$TMP/a" 2>/dev/null
    "$MAILTAP" -q -r - <"$first" >"$TMP/b" 2>/dev/null
    if [ -s "$TMP/a" ] && cmp -s "$TMP/a" "$TMP/b"; then ok; else bad "-r - differs from -r FILE"; fi

    # Colors: forced on, red client and blue server; never with --color=never.
    "$MAILTAP" -q -r "$first" --color=always >"$TMP/c" 2>/dev/null
    if grep -q $'\033\[31mC ' "$TMP/c" && grep -q $'\033\[34mS ' "$TMP/c"; then ok; else
        bad "--color=always: no red client or blue server lines"
    fi
    # On a terminal (a pty made by script(1)) color is on by default, and
    # NO_COLOR turns it off.
    if command -v script >/dev/null; then
        timeout 20 script -qec "$MAILTAP -q -r $first --follow" /dev/null >"$TMP/tty" 2>&1
        if grep -q $'\033\[31mC ' "$TMP/tty" && grep -q $'\033\[34mS ' "$TMP/tty"; then ok; else
            bad "on a terminal: no red client or blue server lines"
        fi
        NO_COLOR=1 timeout 20 script -qec "$MAILTAP -q -r $first --follow" /dev/null >"$TMP/tty" 2>&1
        if grep -q $'\033\[3[14]m' "$TMP/tty"; then bad "NO_COLOR ignored on a terminal"; else ok; fi
    else
        bad "script(1) missing: cannot test terminal output"
    fi

    # A BPF filter that matches nothing gives no sessions; -c limits packets.
    "$MAILTAP" -r "$first" 'udp port 53' >"$TMP/f" 2>"$TMP/err"
    if [ ! -s "$TMP/f" ] && grep -q '^mailtap: 0 packets' "$TMP/err"; then ok; else
        bad "filter 'udp port 53': $(head -2 "$TMP/err")"
    fi
    # --ports decides the protocol of a port: an IMAP session read as POP3
    # is no longer IMAP (and yields no IMAP credential).
    imap=captures/imap-login-ok.pcap
    if [ -f $imap ]; then
        "$MAILTAP" -q -r $imap --ports pop3:143 --json >"$TMP/p.json" 2>&1
        if grep -q '"type":"session_start".*"proto":"pop3"' "$TMP/p.json" &&
            ! grep -q '"type":"credential"' "$TMP/p.json"; then ok; else
            bad "--ports pop3:143 did not make the IMAP session POP3"
        fi
        "$MAILTAP" -r $imap --creds >/dev/null 2>"$TMP/err"
        if grep -q '^mailtap: 1 credentials, 0 sessions encrypted' "$TMP/err"; then ok; else
            bad "summary does not count the credential: $(cat "$TMP/err")"
        fi
    fi
    # On a port mailtap does not know, the server's greeting tells the
    # protocol: the same real session moved to another port says the same.
    for moved in imap-login-ok:143:10143:imap pop3-user-pass-ok-ipv6:110:1110:pop3 \
        smtp-auth-plain-ok:587:2587:smtp; do
        IFS=: read -r mname mfrom mto mproto <<<"$moved"
        [ -f captures/$mname.pcap ] || { bad "missing captures/$mname.pcap"; continue; }
        $PY tests/tools/pcap-relink.py captures/$mname.pcap "$TMP/moved.pcap" --linktype en10mb \
            --port "$mfrom:$mto" 2>/dev/null
        "$MAILTAP" -q -r captures/$mname.pcap --json >"$TMP/orig.json" 2>/dev/null
        "$MAILTAP" -q -r "$TMP/moved.pcap" --json >"$TMP/moved.json" 2>/dev/null
        if grep -q "\"type\":\"session_start\".*\"proto\":\"$mproto\".*:$mto\"" "$TMP/moved.json" &&
            res=$($PY tests/e2e/check-json.py same "$TMP/orig.json" "$TMP/moved.json"); then
            ok
        else
            bad "$mname moved to port $mto: not recognised as $mproto by its greeting: $res"
        fi
    done
    # --ports overrides the greeting.
    $PY tests/tools/pcap-relink.py captures/imap-login-ok.pcap "$TMP/moved.pcap" --linktype en10mb \
        --port 143:10143 2>/dev/null
    "$MAILTAP" -q -r "$TMP/moved.pcap" --ports smtp:10143 --json >"$TMP/moved.json" 2>/dev/null
    if grep -q '"type":"session_start".*"proto":"smtp"' "$TMP/moved.json"; then ok; else
        bad "--ports smtp:10143 did not override the IMAP greeting"
    fi
    "$MAILTAP" -r "$first" -c 3 >/dev/null 2>"$TMP/err"
    if grep -q '^mailtap: 3 packets' "$TMP/err"; then ok; else bad "-c 3: $(head -1 "$TMP/err")"; fi

    # A file cut short mid-record: what came before is processed, a warning
    # is printed, exit 0.
    size=$(stat -c %s "$first")
    head -c $((size - 7)) "$first" >"$TMP/cut.pcap"
    check_status "truncated file" 0 'warning: .*cut short' -- "$MAILTAP" -r "$TMP/cut.pcap"
    if grep -q '^== session 1' "$TMP/out"; then ok; else bad "truncated file: no session shown"; fi
    head -c 20 "$first" >"$TMP/cut-header.pcap"
    check_status "file cut inside its header" 1 "cut-header.pcap: cut short inside the file header" -- \
        "$MAILTAP" -r "$TMP/cut-header.pcap"
fi

# --- --replay ----------------------------------------------------------------
# pop3-apop-ok.pcap: 22 frames over 4.06 s of capture time, 4.02 s of it a
# pause before "+OK Logged in" (Dovecot's delay after APOP). At ten times
# its pace that is 406 ms; measured 410 ms (420-435 ms with the sanitizers)
# against 3 ms (13 ms) without --replay. The bounds: no less than the span
# over 10 less 20 ms (the clock cannot run ahead), no more than that plus the
# run without --replay plus 600 ms (a loaded machine; at its recorded pace,
# --replay=1 by mistake, it would take 4 s). The pause must be in the
# output too: the APOP line comes out before it, "+OK Logged in" after.
rcap=captures/pop3-apop-ok.pcap
if [ -f $rcap ] && span=$($PY tests/e2e/pcap-time.py span $rcap 2>"$TMP/err"); then
    t0=$(date +%s%N)
    "$MAILTAP" -q -r $rcap --json >"$TMP/plain.json" 2>/dev/null
    plain_ms=$((($(date +%s%N) - t0) / 1000000))
    # Each line of output with the time it came out, in ms from the start.
    $PY - "$MAILTAP" $rcap 10 "$TMP/replay.json" >"$TMP/replay.times" 2>"$TMP/err" <<'PYEOF'
import subprocess, sys, time
exe, cap, speed, out = sys.argv[1:]
t0 = time.monotonic()
p = subprocess.Popen([exe, "-q", "-r", cap, "--replay=" + speed, "--json"],
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
with open(out, "wb") as f:
    for line in p.stdout:
        f.write(line)
        print(round((time.monotonic() - t0) * 1000), line.decode("utf-8", "replace"), end="")
st = p.wait()
print("exit", st, "total", round((time.monotonic() - t0) * 1000))
PYEOF
    read -r _ st _ total_ms < <(tail -1 "$TMP/replay.times")
    want_ms=$(awk -v s="$span" 'BEGIN { printf "%d", s * 1000 / 10 }')
    apop_ms=$(awk '/"label":"APOP"/ { print $1; exit }' "$TMP/replay.times")
    okay_ms=$(awk '/"text":"\+OK Logged in\."/ { print $1; exit }' "$TMP/replay.times")
    if [ "${st:-}" != 0 ] || [ -z "${total_ms:-}" ]; then
        bad "--replay=10: exit status ${st:-?}: $(head -3 "$TMP/err")"
    elif [ "$total_ms" -lt $((want_ms - 20)) ] || [ "$total_ms" -gt $((want_ms + plain_ms + 600)) ]; then
        bad "--replay=10: took $total_ms ms for $span s of capture, wanted $want_ms ms (run without: $plain_ms ms)"
    else
        ok
    fi
    if [ -z "$apop_ms" ] || [ -z "$okay_ms" ] || [ $((okay_ms - apop_ms)) -lt 250 ]; then
        bad "--replay=10: the 4 s pause is not in the output: APOP line at ${apop_ms:-?} ms, +OK at ${okay_ms:-?} ms"
    else
        ok
    fi
    if [ -s "$TMP/plain.json" ] && cmp -s "$TMP/plain.json" "$TMP/replay.json"; then ok; else
        bad "--replay=10 --json differs from --json: $(diff "$TMP/plain.json" "$TMP/replay.json" | head -5)"
    fi
else
    bad "cannot time $rcap: $(head -2 "$TMP/err")"
fi

# --- Errors ----------------------------------------------------------------
: >"$TMP/empty.pcap"
check_status "empty file" 1 '^mailtap: .*empty.pcap: empty file' -- "$MAILTAP" -r "$TMP/empty.pcap"
head -c 4096 /dev/urandom >"$TMP/random.bin"
printf 'RAND' | dd of="$TMP/random.bin" conv=notrunc 2>/dev/null
check_status "random bytes" 1 '^mailtap: .*random.bin: not a pcap or pcapng capture' -- \
    "$MAILTAP" -r "$TMP/random.bin"
check_status "missing file" 1 '^mailtap: .*nonexistent.pcap: No such file' -- \
    "$MAILTAP" -r "$TMP/nonexistent.pcap"
check_status "empty standard input" 1 '^mailtap: standard input: ' -- \
    "$MAILTAP" -r - </dev/null
check_status "no source" 2 '^usage: mailtap' -- "$MAILTAP"
# --help and the usage come from the option table (src/cli.c): they fit 80
# columns, and the man page describes exactly the options --help lists.
if "$MAILTAP" --help >"$TMP/help" 2>"$TMP/err" && [ ! -s "$TMP/err" ] &&
    head -1 "$TMP/help" | grep -q '^usage: mailtap (-r FILE | -i IFACE | -D) '; then ok; else
    bad "--help: status or first line wrong: $(head -2 "$TMP/help") $(head -2 "$TMP/err")"
fi
if awk 'length($0) > 80 { exit 1 }' "$TMP/help"; then ok; else
    bad "--help has lines over 80 columns: $(awk 'length($0) > 80' "$TMP/help" | head -2)"
fi
if out=$($PY tests/e2e/check-manpage.py "$TMP/help" docs/mailtap.1); then ok; else
    bad "man page and --help disagree: $out"
fi
if [ "$("$MAILTAP" -V)" = "mailtap $(sed -n 's/.*"mailtap \([0-9.]*\)".*/\1/p' docs/mailtap.1)" ]; then ok
else bad "-V and the man page's version differ: $("$MAILTAP" -V)"; fi
# The tree keeps the shape docs/architecture.md describes: rooms and what
# each may include, an opening comment in every file, no file over 800 lines.
if out=$($PY tests/e2e/check-layout.py .); then ok; else
    bad "source layout: $out"
fi
check_status "option without its value" 2 '^mailtap: option -r needs a value$' -- "$MAILTAP" -r
check_status "long option without its value" 2 '^mailtap: option --export needs a value$' -- \
    "$MAILTAP" --export
check_status "value for a flag" 2 '^mailtap: option --mask takes no value$' -- \
    "$MAILTAP" -r x --mask=1
check_status "unknown short option" 2 '^mailtap: unknown option -x$' -- "$MAILTAP" -x -r y
check_status "unknown option" 2 'unknown option --bogus' -- "$MAILTAP" --bogus -r x
check_status "bad number" 2 'max-flows' -- "$MAILTAP" -r x --max-flows=-3
check_status "bad color" 2 'color takes' -- "$MAILTAP" -r x --color=purple
check_status "two output modes" 2 '--follow and --json cannot be used together' -- \
    "$MAILTAP" -r x --follow --json
check_status "bad --ports" 2 "--ports: unknown protocol 'ftp'" -- "$MAILTAP" -r x --ports ftp:21
check_status "bad --ports number" 2 "--ports: port out of range" -- "$MAILTAP" -r x --ports imap:0
check_status "bad --max-line" 2 "max-line" -- "$MAILTAP" -r x --max-line 3
# usage_error NAME PATTERN -- command...: exit 2, nothing on standard
# output, and on standard error one line matching PATTERN, then the usage.
usage_error() {
    local name=$1 pattern=$2
    shift 3
    "$@" >"$TMP/out" 2>"$TMP/err" </dev/null
    local got=$?
    if [ $got != 2 ]; then
        bad "$name: exit status $got, wanted 2: $(head -3 "$TMP/err")"
    elif [ -s "$TMP/out" ]; then
        bad "$name: standard output not empty: $(head -2 "$TMP/out")"
    elif ! head -1 "$TMP/err" | grep -Eq -- "^mailtap: $pattern\$" ||
        ! sed -n 2p "$TMP/err" | grep -q '^usage: mailtap ' ||
        tail -n +3 "$TMP/err" | grep -q '^[^ ]'; then
        bad "$name: stderr is not one line /$pattern/ and the usage: $(head -3 "$TMP/err")"
    else
        ok
    fi
}
usage_error "--replay with -i" '--replay plays a file \(-r\)' -- "$MAILTAP" -i nosuchif0 --replay
usage_error "--replay=2 with -i" '--replay plays a file \(-r\)' -- "$MAILTAP" -i nosuchif0 --replay=2
usage_error "--replay without a source" 'say where packets come from: -r FILE or -i IFACE' -- \
    "$MAILTAP" --replay=2
for speed in 0 abc '' 10x -1 0.001 nan inf; do
    usage_error "--replay=$speed" "--replay takes a speed from 0\\.01 to 1000000, not '$speed'" -- \
        "$MAILTAP" -r captures/pop3-apop-ok.pcap --replay="$speed" --json
done
check_status "no such interface" 1 '^mailtap: nosuchif0: ' -- "$MAILTAP" -i nosuchif0
if [ -n "$first" ]; then
    check_status "bad filter" 2 "bad filter expression 'tcp port banana'" -- \
        "$MAILTAP" -r "$first" tcp port banana
fi
# Unsupported link type: a pcap header for IEEE 802.11 (105) and one frame.
$PY - "$TMP/wifi.pcap" <<'PYEOF'
import struct, sys
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 105))
    f.write(struct.pack("<IIII", 1, 0, 24, 24) + bytes(24))
PYEOF
check_status "unsupported link type" 1 'wifi.pcap: unsupported link type IEEE802_11' -- \
    "$MAILTAP" -r "$TMP/wifi.pcap"
echo x >"$TMP/file"
if [ -n "$first" ]; then
    check_status "export into a file" 1 "file: not a directory" -- \
        "$MAILTAP" -r "$first" --export "$TMP/file"
fi
# A full disk is reported with its reason, exit 1.
if [ -n "$first" ] && [ -w /dev/full ]; then
    for mode in follow creds json; do
        check_status "--$mode to a full disk" 1 \
            '^mailtap: standard output: No space left on device$' -- \
            bash -c '"$0" -r "$1" "$2" >/dev/full' "$MAILTAP" "$first" "--$mode"
    done
    check_status "--json --replay to a full disk" 1 \
        '^mailtap: standard output: No space left on device$' -- \
        bash -c '"$0" -r "$1" --json --replay=1000 >/dev/full' "$MAILTAP" "$first"
    if grep -qx 'mailtap: *' "$TMP/err"; then bad "--replay to a full disk: an empty error line"; else ok; fi
fi

# --export never overwrites: a second run into the same directory leaves the
# first run's files as they were and writes the next free names (c1).
if [ -n "$first" ]; then
    rm -rf "$TMP/again"
    "$MAILTAP" -q -r "$first" --export "$TMP/again" 2>/dev/null
    (cd "$TMP/again" && ls) >"$TMP/again.1"
    for f in $(cat "$TMP/again.1"); do printf 'mark' >>"$TMP/again/$f"; done
    "$MAILTAP" -q -r "$first" --export "$TMP/again" 2>/dev/null
    n1=$(wc -l <"$TMP/again.1")
    okay=1
    [ "$n1" -gt 0 ] || okay=0
    for f in $(cat "$TMP/again.1"); do
        [ "$(tail -c 4 "$TMP/again/$f")" = mark ] || okay=0
        cmp -s "$TMP/again/${f}c1" <(head -c -4 "$TMP/again/$f") || okay=0
    done
    [ "$(ls "$TMP/again" | wc -l)" -eq $((2 * n1)) ] || okay=0
    if [ $okay = 1 ]; then ok; else
        bad "export run twice into one directory: $(ls "$TMP/again" | tr '\n' ' ')"
    fi
fi

# Holes in any arrival order cost O(n log n): 200,000 one-byte segments
# after as many holes that never fill, shuffled, with limits that let all
# of them be held (a list walked at each insert took 46 s for half as
# many; 60 s here is only a hang detector). The login before them and the
# LOGOUT after come out, and every hole is one counted gap.
$PY tests/tools/pcap-holes.py "$TMP/holes.pcap" --holes 200000 --order shuffled
if timeout 60 "$MAILTAP" -r "$TMP/holes.pcap" --max-dir-held 64M --max-held 64M --follow \
    >"$TMP/out" 2>"$TMP/err" && grep -q '^\*\* credential: imap LOGIN via LOGIN, user alice, password secret: success' "$TMP/out" &&
    grep -q 'C LOGOUT' "$TMP/out" && grep -q '^mailtap: 200000 gaps (200000 bytes missing)' "$TMP/err"; then ok
else
    bad "200000 shuffled holes: $(tail -3 "$TMP/err")"
fi

# A literal that says more than comes does not hide the logins after it:
# the server's tagged reply ends the command; the credentials table, the
# JSON credential events and the follow view agree on them.
$PY tests/tools/pcap-dialog.py "$TMP/lit.pcap" 'S:* OK ready\r\n' 'C:a1 LOGIN {4000000000}\r\n' \
    'S:+ go ahead\r\n' 'C:alice secret\r\n' 'S:a1 OK done\r\n' 'C:a2 LOGIN carol pw3\r\n' \
    'S:a2 OK done\r\n' 'C:a3 LOGIN {18446744073709551617}\r\n' 'S:a3 BAD too big\r\n'
"$MAILTAP" -q -r "$TMP/lit.pcap" --creds >"$TMP/c" 2>&1
"$MAILTAP" -q -r "$TMP/lit.pcap" --json >"$TMP/j" 2>&1
"$MAILTAP" -q -r "$TMP/lit.pcap" --follow >"$TMP/f" 2>&1
if grep -qE 'success +carol +pw3$' "$TMP/c" && ! grep -q '18446744073709551617 ' "$TMP/c" &&
    [ "$(grep -c '"type":"credential"' "$TMP/j")" = "$(($(wc -l <"$TMP/c") - 1))" ] &&
    [ "$(grep -c '^\*\* credential' "$TMP/f")" = "$(($(wc -l <"$TMP/c") - 1))" ] &&
    grep -q '"user":"carol","password":"pw3"' "$TMP/j"; then ok
else
    bad "literal longer than what comes: $(cat "$TMP/c" "$TMP/f")"
fi

# A SASL response longer than --max-line (10 MB of AUTH PLAIN) keeps its
# login: user and result come out, the password marked cut in every output,
# with a warning that says why, not that the base64 was invalid.
$PY -c 'import base64,sys; sys.stdout.buffer.write(b"AUTH PLAIN " + base64.b64encode(b"\0alice\0" + b"p" * 7500000) + b"\r\n")' >"$TMP/auth.txt"
$PY tests/tools/pcap-dialog.py "$TMP/auth.pcap" --port 587 'S:220 mail ESMTP\r\n' 'C:EHLO x\r\n' \
    'S:250 mail\r\n' "C@$TMP/auth.txt" 'S:235 2.7.0 ok\r\n' 'C:QUIT\r\n' 'S:221 bye\r\n'
"$MAILTAP" -q -r "$TMP/auth.pcap" --creds >"$TMP/c" 2>&1
"$MAILTAP" -q -r "$TMP/auth.pcap" --json >"$TMP/j" 2>&1
"$MAILTAP" -q -r "$TMP/auth.pcap" --follow >"$TMP/f" 2>&1
if grep -qE 'PLAIN +success +alice +p+ \[cut short\]$' "$TMP/c" &&
    grep -q '"user":"alice".*"user_truncated":false,"password_truncated":true,"result":"success"' "$TMP/j" &&
    grep -q 'password p* (cut short): success' "$TMP/f" && grep -q 'longer than --max-line was cut' "$TMP/f" &&
    ! grep -q 'not valid base64' "$TMP/f"; then ok
else
    bad "huge AUTH PLAIN line: $(cut -c1-150 "$TMP/c"; grep '!!' "$TMP/f")"
fi

# A SYN flood in the middle of a login (70,000 spoofed SYNs between the
# user name and the password, more than --max-flows) evicts half-open flows,
# not the session: the login comes out whole, and the summary says what the
# flood evicted.
$PY tests/tools/pcap-flood.py "$TMP/flood.pcap" --syns 70000
"$MAILTAP" -r "$TMP/flood.pcap" --creds >"$TMP/c" 2>"$TMP/err"
if grep -qE 'LOGIN +success +erin +Flood-Proof-1$' "$TMP/c" &&
    grep -qE '^mailtap: the flow table was full \(--max-flows\): [0-9]+ half-open connections' "$TMP/err" &&
    ! grep -q 'sessions evicted' "$TMP/err"; then ok
else
    bad "SYN flood during a login: $(cat "$TMP/c" "$TMP/err")"
fi

# Copies that differ (Ptacek and Newsham): a segment held after a hole,
# then another copy of it with other bytes, then the hole filled; after the
# line was read, a retransmission of its user name with other bytes. The
# first copies are read; the session is warned where each other differed,
# counts them, and the summary says so.
$PY tests/tools/pcap-dialog.py "$TMP/conf.pcap" 'S:* OK ready\r\n' 'C:a1 LOGIN alice ' \
    'C~17:cret\r\n' 'C~17:xyzw\r\n' 'C~15:se' 'C!23' 'C~9:mallo' 'S:a1 OK\r\n'
"$MAILTAP" -r "$TMP/conf.pcap" --follow >"$TMP/f" 2>"$TMP/err"
"$MAILTAP" -q -r "$TMP/conf.pcap" --json >"$TMP/j" 2>&1
if grep -q "^!! a copy of the client's bytes differed from the first one: 4 bytes from stream offset 17" "$TMP/f" &&
    grep -q "^!! a copy of the client's bytes differed from the first one: 5 bytes from stream offset 9" "$TMP/f" &&
    grep -q 'user alice, password secret: success' "$TMP/f" && grep -q '"conflicting_bytes":9' "$TMP/j" &&
    grep -q '"type":"warning".*differed from the first one' "$TMP/j" &&
    grep -q '^mailtap: 9 bytes of copies differed' "$TMP/err"; then ok
else
    bad "copies that differ: $(cat "$TMP/f" "$TMP/err")"
fi

# A server literal that says more than comes does not hide the result of a
# login sent meanwhile: its tagged reply, inside the literal as read, ends
# it; in the table as in the follow view.
$PY tests/tools/pcap-dialog.py "$TMP/slit.pcap" 'S:* OK ready\r\n' 'C:a1 LOGIN alice pw\r\n' 'S:a1 OK\r\n' \
    'C:a2 FETCH 1 BODY[]\r\n' 'S:* 1 FETCH (BODY[] {4000000000}\r\nSubject: hi\r\n\r\na2 OK done\r\n' \
    'C:a3 LOGIN carol pw3\r\n' 'S:a3 NO wrong\r\n'
"$MAILTAP" -q -r "$TMP/slit.pcap" --creds >"$TMP/c" 2>&1
"$MAILTAP" -q -r "$TMP/slit.pcap" --follow >"$TMP/f" 2>&1
if grep -qE 'LOGIN +failure +carol +pw3$' "$TMP/c" &&
    grep -q 'user carol, password pw3: failure' "$TMP/f" && grep -q 'answered a later command inside a literal' "$TMP/f"; then ok
else
    bad "server literal longer than what comes: $(cat "$TMP/c" "$TMP/f")"
fi

# IMAP COMPRESS DEFLATE (RFC 4978): after the server's OK both directions
# are raw DEFLATE (made here by Python's zlib, flushed as peers do); they
# are inflated and read on: the login inside is found and labelled.
$PY - "$TMP" <<'PY'
import sys, zlib
d = sys.argv[1]
c, s = (zlib.compressobj(9, zlib.DEFLATED, -15) for _ in range(2))
for name, z, text in (("c1", c, b"a3 SELECT INBOX\r\n"), ("s1", s, b"* 1 EXISTS\r\na3 OK selected\r\n"),
                      ("c2", c, b"a4 LOGIN bob pw2\r\n"), ("s2", s, b"a4 NO [AUTHENTICATIONFAILED] wrong\r\n")):
    open("%s/%s.z" % (d, name), "wb").write(z.compress(text) + z.flush(zlib.Z_SYNC_FLUSH))
PY
$PY tests/tools/pcap-dialog.py "$TMP/comp.pcap" 'S:* OK [CAPABILITY IMAP4rev1 COMPRESS=DEFLATE] ready\r\n' \
    'C:a1 LOGIN alice pw\r\n' 'S:a1 OK\r\n' 'C:a2 COMPRESS DEFLATE\r\n' 'S:a2 OK DEFLATE active\r\n' \
    "C@$TMP/c1.z" "S@$TMP/s1.z" "C@$TMP/c2.z" "S@$TMP/s2.z"
"$MAILTAP" -q -r "$TMP/comp.pcap" --follow >"$TMP/f" 2>&1
"$MAILTAP" -q -r "$TMP/comp.pcap" --creds >"$TMP/c" 2>&1
if grep -qE '^C SELECT +a3 SELECT INBOX' "$TMP/f" && grep -qE '^S OK +a3 OK selected' "$TMP/f" &&
    grep -q 'user bob, password pw2: failure' "$TMP/f" && grep -qE 'failure +bob +pw2$' "$TMP/c"; then ok
else
    bad "COMPRESS DEFLATE: $(cat "$TMP/f")"
fi

# Escapes read back to one byte string: a password that spells \x1b in four
# printable bytes is shown with its backslash doubled, one with an ESC byte
# as \x1b, in the follow view and the credentials table alike; JSON has
# the bytes themselves.
$PY tests/tools/pcap-dialog.py "$TMP/esc.pcap" 'S:* OK ready\r\n' 'C:a1 LOGIN alice \\x1bpw\r\n' \
    'S:a1 NO bad\r\n' 'C:a2 LOGIN bob \x1bpw\r\n' 'S:a2 OK\r\n'
"$MAILTAP" -q -r "$TMP/esc.pcap" --follow >"$TMP/f" 2>&1
"$MAILTAP" -q -r "$TMP/esc.pcap" --creds >"$TMP/c" 2>&1
"$MAILTAP" -q -r "$TMP/esc.pcap" --json >"$TMP/j" 2>&1
if grep -qF 'a1 LOGIN alice \\x1bpw' "$TMP/f" && grep -qF 'a2 LOGIN bob \x1bpw' "$TMP/f" &&
    ! grep -qF 'bob \\x1bpw' "$TMP/f" && grep -qE 'alice +\\\\x1bpw$' "$TMP/c" &&
    grep -qE 'bob +\\x1bpw$' "$TMP/c" && grep -qF '"password":"\\x1bpw"' "$TMP/j" &&
    grep -qF '"password":"\u001bpw"' "$TMP/j"; then ok
else
    bad "escapes: $(cat "$TMP/f" "$TMP/c")"
fi

# --export makes its directory for its owner alone; a file replaced by a
# link while it was closed (--max-open-files 1: each direction's file is
# closed when the other is written) is not written through the link, that
# one file is given up with a warning, and the run goes on to exit 0.
cap=captures/imap-login-ok.pcap
if [ -f "$cap" ]; then
    rm -rf "$TMP/ex" "$TMP/target"
    : >"$TMP/target"
    $PY tests/e2e/stream-pcap.py "$cap" 6 --exec \
        "f=\$(ls $TMP/ex/*.00143-* | head -1); rm \$f; ln -s $TMP/target \$f; echo \$f >$TMP/ex.which" |
        "$MAILTAP" -q -r - --export "$TMP/ex" --max-open-files 1 2>"$TMP/err"
    rc=$?
    mode=$(stat -c %a "$TMP/ex")
    n=$(grep -c 'replaced by something that is not a file' "$TMP/err")
    if [ $rc = 0 ] && [ "$mode" = 700 ] && [ ! -s "$TMP/target" ] && [ "$n" = 1 ] &&
        grep -q '^mailtap: --export: 1 files not written to their end' "$TMP/err" &&
        [ -L "$(cat "$TMP/ex.which")" ] && [ "$(ls "$TMP/ex" | wc -l)" = 2 ]; then ok
    else
        bad "export file replaced by a link: exit $rc, mode $mode, $(cat "$TMP/err") $(ls -l "$TMP/ex")"
    fi
fi

echo "e2e: $pass passed, $fail failed"
[ $fail -eq 0 ]
