#!/usr/bin/env bash
# Drives the terminal interface in a real terminal (tmux): opens a capture,
# selects a session with credentials, checks the red client line with the
# password in reverse video, the credentials pane and its jump, search,
# masking, filtering, saving, resizing, the help, and that quitting (q or
# Ctrl-C) leaves the terminal as it was, and --replay: REPLAY on the status
# line, packets counted as they come due, p pausing and resuming them.
# Colors are checked in the escape sequences tmux reports (capture-pane -e).
# Usage: MAILTAP=/path/to/mailtap tests/e2e/tui.sh
set -u
cd "$(dirname "$0")/../.."
MAILTAP=${MAILTAP:-$PWD/mailtap}
PY=${PYTHON:-python3}
TMP=$(mktemp -d)
SOCK="$TMP/tmux.sock"
T="tmux -S $SOCK"
trap '$T kill-server 2>/dev/null; rm -rf "$TMP"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
    fail=$((fail + 1))
    echo "FAIL: $*"
    echo "--- screen:"
    $T capture-pane -t m -p 2>/dev/null | sed 's/^/    /'
}

if ! command -v tmux >/dev/null; then
    echo "FAIL: tmux is not installed (.ci/run installs it)"
    echo "tui: 0 passed, 1 failed"
    exit 1
fi

# A session that lives as long as the test: killing the interface's session
# to start the next one must not take the tmux server down with it (a new
# session could race the exiting server).
$T -f /dev/null new-session -d -s keep -x 20 -y 5 "sleep 100000"

screen() { $T capture-pane -t m -p "$@" 2>/dev/null; }

# An SGR sequence setting attribute N, alone or combined ("\e[0;7m").
sgr() { printf '\033\\[([0-9]+;)*%sm' "$1"; }
# Any SGR sequences.
ANY=$(printf '(\033\\[[0-9;]*m)*')

# wait_for PATTERN [capture-pane flags]: up to 5 s for the screen to match.
wait_for() {
    local pat=$1
    shift
    for _ in $(seq 50); do
        if screen "$@" | grep -qaE -- "$pat"; then return 0; fi
        sleep 0.1
    done
    return 1
}

check() { # NAME PATTERN [flags]
    local name=$1 pat=$2
    shift 2
    if wait_for "$pat" "$@"; then ok; else bad "$name: screen does not match /$pat/"; fi
}

check_not() { # NAME PATTERN [flags]
    local name=$1 pat=$2
    shift 2
    sleep 0.3
    if screen "$@" | grep -qaE -- "$pat"; then bad "$name: screen matches /$pat/"; else ok; fi
}

keys() { $T send-keys -t m "$@"; sleep 0.15; }

# start COLS ROWS ENV... -- ARGS...: runs mailtap in a shell that marks the
# screen first, so that a restored terminal shows the mark again.
start() {
    local cols=$1 rows=$2
    shift 2
    local envs=()
    while [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    $T kill-session -t m 2>/dev/null
    $T -f /dev/null new-session -d -s m -x "$cols" -y "$rows" \
        "env -i PATH=$PATH HOME=$TMP LANG=C.UTF-8 TERM=xterm-256color ${envs[*]} \
         ASAN_OPTIONS=$ASAN_OPTIONS UBSAN_OPTIONS=$UBSAN_OPTIONS \
         bash -c 'cd $TMP; echo BEFORE-MAILTAP; $MAILTAP $*; echo \"EXIT-STATUS=\$?\"; sleep 60'"
    $T set-option -t m remain-on-exit on >/dev/null
}

CAP=$PWD/captures/imap-login-ok.pcap
for c in "$CAP" captures/pop3-user-pass-ok.pcap captures/smtp-auth-plain-ok.pcap; do
    [ -f "$c" ] || { echo "FAIL: missing $c"; echo "tui: 0 passed, 1 failed"; exit 1; }
done

# --- a capture with a login, 100x30 -------------------------------------------
start 100 30 -- -r "$CAP"
check "status line" 'mailtap .*imap-login-ok.pcap .* 20 packets +1 sessions +1 credentials'
check "session row with its badge and credentials" '1 .*127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:143 +imap +CLEARTEXT +\*1 '
check "the conversation of the first session" 'C LOGIN +[A-Z0-9]+ LOGIN alice "Wonderland-42"'
# Red client line, the secret in reverse video, blue server lines.
check "client line red, password reversed" \
    "$(sgr 31).*LOGIN .*$(sgr 7)${ANY}Wonderland-42" -e
check "server lines blue" "$(sgr 34)${ANY}S OK" -e
check "credential note" '\*\* credential: LOGIN via LOGIN, user alice, password Wonderland-42: success'

keys Tab Tab
check "credentials pane" 'imap +LOGIN +success +alice +Wonderland-42'
keys Enter
# The jump puts the cursor (reverse-video gutter) on the line that sent it.
check "Enter jumps to the line with the password" "$(sgr 7)${ANY}C LOGIN  " -e

keys / S E L E C T Space I N B O X Enter
check "search" "found 'SELECT INBOX' at line 10"
check "search lands on the line" "$(sgr 7)${ANY}C SELECT " -e
keys / u i d n e x t Enter
check "search ignores case" "found 'uidnext' at line 17"
keys N
check "search backwards wraps to the same line" "found 'uidnext' at line 17"

keys m
check "mask" 'secrets masked'
check "masked password, user name kept" 'LOGIN alice "W\*{11}2"'
check_not "no password when masked" 'Wonderland-42'
keys / W o n d e r l a n d Enter
check "masked: search does not find the hidden password" "'Wonderland' not found"
keys m

keys f
check "filter" 'showing with credentials'
keys f
keys f
check "filter POP3 hides the IMAP session" 'showing POP3'
check_not "filtered out" '127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:143 +imap'
keys f f f
check "filter ManageSieve" 'showing ManageSieve'
check_not "no ManageSieve session" '127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:143 +imap'
keys f

keys '?'
check "help" 'Tab +next pane: sessions, conversation, credentials'
keys Escape

keys s
check "save prompt" 'save to: mailtap-session-1\.txt'
keys Enter
check "saved" 'saved [0-9]+ lines to mailtap-session-1\.txt'
if grep -q 'C LOGIN        .*LOGIN alice "Wonderland-42"' "$TMP/mailtap-session-1.txt" 2>/dev/null &&
    ! grep -q $'\e' "$TMP/mailtap-session-1.txt"; then ok; else
    bad "saved transcript: $(head -3 "$TMP/mailtap-session-1.txt" 2>&1)"
fi

# A save that fails says why.
if [ -w /dev/full ]; then
    keys s
    for _ in $(seq 24); do $T send-keys -t m BSpace; done
    $T send-keys -t m -l /dev/full
    keys Enter
    check "save to a full disk says why" '/dev/full: No space left on device'
fi

# Resize down to 80x24 and below, then back: redrawn, still working.
$T resize-window -t m -x 80 -y 24
check "80x24: status line keeps the counts, short" \
    '^ mailtap  imap-login-ok\.pcap  \| 20 pkts  1 sess  1 creds  0 drop  [0-9:]{8}  FILE'
check "80x24: endpoints whole" '127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:143 +imap'
$T resize-window -t m -x 40 -y 10
sleep 0.3
$T resize-window -t m -x 100 -y 30
check "after resizing" 'C LOGIN +[A-Z0-9]+ LOGIN alice'

keys q
check "q quits and restores the terminal" 'EXIT-STATUS=0'
check "the screen before mailtap is back" 'BEFORE-MAILTAP'
check_not "no interface left on screen" 'Tab pane +Enter open'
check "summary after quitting" '^mailtap: 20 packets'

# --- without colors: sides told apart by attributes --------------------------
start 100 30 NO_COLOR=1 -- -r "$CAP"
check "NO_COLOR: interface up" 'C LOGIN +[A-Z0-9]+ LOGIN alice'
check_not "NO_COLOR: no red" "$(sgr 31)" -e
check "NO_COLOR: client lines bold" "$(sgr 1)${ANY}C LOGIN" -e
check "NO_COLOR: server lines underlined" "$(sgr 4)${ANY}S OK" -e
check "NO_COLOR: secrets still reversed" "$(sgr 7)${ANY}Wonderland-42" -e
keys C-c
check "Ctrl-C quits and restores the terminal" 'EXIT-STATUS=0'
check "Ctrl-C: screen before mailtap back" 'BEFORE-MAILTAP'

# --- several sessions: sort by credentials, TLS badge ------------------------
start 100 30 -- -r "$PWD/captures/pop3-stls.pcap" --tui
check "STARTTLS badge" 'pop3 +STARTTLS'
check "TLS line in the conversation" '== TLS 1\.3 TLS_AES_256_GCM_SHA384, JA4 t13i311000_e8f1e7e78f70_b26ce05bbdd6: not decr'
keys q
check "quit" 'EXIT-STATUS=0'

# --- what software each side runs: the session list and the conversation ---
start 160 30 -- -r "$PWD/captures/imap-login-ok.pcap" --tui
check "server software in the session list" ' (closed|reset) +Dovecot \(Debian\)'
keys Enter
check "server software in the conversation" '== server software: Dovecot \(Debian\) \(greeting\) =='
keys e
check "e: explanations on" 'explanations on'
keys Down Down
check "e: the line under the cursor explained" 'CAPABILITY: asks what the server supports.*\(RFC 9051 6\.1\.1\)'
keys q
check "quit" 'EXIT-STATUS=0'

# --- a TLS session read with its key log: badge, TLS note, the login ------
tlscap=$PWD/captures/imaps-tls13-login-keylog
start 120 30 -- -r "$tlscap.pcap" --keylog "$tlscap.keys" --tui
check "DECRYPTED badge and its credential" 'imap +DECRYPTED +\*1 '
check "TLS note: decrypted" '== TLS 1\.3 TLS_AES_256_GCM_SHA384, JA4 t13i311000_e8f1e7e78f70_d41ae481755e: decrypted with the key log'
check "the login read inside TLS" 'C LOGIN +MJAG1 LOGIN alice "Wonderland-42"'
keys q
check "quit" 'EXIT-STATUS=0'

# --- a SASL exchange: the decoded message under its base64 line ------------
start 100 30 -- -r "$PWD/captures/smtp-auth-plain-ok.pcap"
check "SASL: decoded under the AUTH line" \
    'C AUTH +AUTH PLAIN AGVyaW4ARXJpbi1TdWJtaXQtNTg3 *$'
check "SASL: the decoded line" 'C \(decoded\) +\\0erin\\0Erin-Submit-587'
check "SASL: decoded secret in reverse video" "\\(decoded\\) +$(sgr 7).*Erin-Submit-587" -e
keys m
check "SASL: masked whole" 'C \(decoded\) +\\0\*{19}7'
check_not "SASL: no password when masked" 'Erin-Submit-587'
keys m
keys Tab Tab Enter
check "SASL: Enter jumps to the AUTH line, not its decoded form" "$(sgr 7)${ANY}C AUTH  " -e
keys q
check "SASL: quit" 'EXIT-STATUS=0'

# --- --replay: packets come due over time; p pauses them ---------------------
# imap-login-ok.pcap's 20 frames retimed 0.25 s apart (4.75 s), played at
# twice their pace: one frame every 125 ms, 2.4 s in all.
count() { screen | head -1 | sed -nE 's/.*\| +([0-9]+) packets .*/\1/p'; }
# wait_count TEST [SECS]: up to SECS (5) for the packet count to pass TEST
# ("-ge 3"); prints the count.
wait_count() {
    local n
    for _ in $(seq $((${2:-5} * 20))); do
        n=$(count)
        [ -n "$n" ] && [ "$n" $1 ] && { echo "$n"; return 0; }
        sleep 0.05
    done
    echo "${n:-none}"
    return 1
}
if ! $PY tests/e2e/pcap-time.py even "$CAP" "$TMP/even.pcap" 0.25 2>"$TMP/err"; then
    bad "pcap-time.py even: $(cat "$TMP/err")"
else
    start 100 30 -- -r even.pcap --replay=2
    check "replay: REPLAY on the status line" '^ mailtap +even\.pcap .* REPLAY *$'
    # The count grows: seen below 20, then higher, still below 20.
    if c1=$(wait_count "-ge 1") && [ "$c1" -lt 15 ] && c2=$(wait_count "-gt $c1") && [ "$c2" -lt 20 ]; then
        ok
        keys p
        check "replay: p: PAUSED" ' PAUSED *$'
        p1=$(count)
        sleep 1.5
        p2=$(count)
        if [ -n "$p1" ] && [ "$p1" = "$p2" ] && [ "$p1" -lt 20 ]; then ok; else
            bad "replay: paused, the packet count went from '$p1' to '$p2' in 1.5 s (of 20)"
        fi
        keys p
        check "replay: p again: REPLAY" ' REPLAY *$'
        # The pause stopped the replay clock too: the frames that would have
        # come due during it keep their pace (one every 125 ms) instead of
        # all arriving at once.
        p3=$(count)
        if [ -n "$p3" ] && [ "$p3" -le $((p2 + 4)) ]; then ok; else
            bad "replay: 0.2 s after resuming at $p2 packets the count is already $p3"
        fi
        if n=$(wait_count "-eq 20"); then ok; else bad "replay: resumed, $n packets after 5 s, not 20"; fi
        check "replay: the session and its credential" '\| +20 packets +1 sessions +1 credentials '
        check "replay: the credential note" '\*\* credential: LOGIN via LOGIN, user alice, password Wonderland-42: success'
    else
        bad "replay: the packet count does not grow by steps (seen ${c1:-none}, then ${c2:-none}, of 20)"
    fi
    keys q
    check "replay: q quits" 'EXIT-STATUS=0'
    check "replay: summary after quitting" '^mailtap: 20 packets'
fi

# --- a long path gives way to the counts ------------------------------------
long=$TMP/a-directory-with-a-rather-long-name-to-push-the-counts-off-the-status-line
mkdir -p "$long"
ln -sf "$CAP" "$long/imap-login-ok.pcap"
ln -sf "$CAP" "$long/a-capture-file-whose-own-name-is-longer-than-the-status-line-has-room-for.pcap"
start 80 24 -- -r "$long/imap-login-ok.pcap"
check "long path: the file name and the counts" \
    '^ mailtap  imap-login-ok\.pcap  \| 20 pkts  1 sess  1 creds  0 drop  [0-9:]{8}  FILE *$'
start 80 24 -- -r "$long/a-capture-file-whose-own-name-is-longer-than-the-status-line-has-room-for.pcap"
check "long file name: its tail and the counts" \
    '^ mailtap  \.\.\.[a-z-]*room-for\.pcap  \| 20 pkts  1 sess  1 creds  0 drop  [0-9:]{8}  FILE *$'
keys q
check "long file name: q quits" 'EXIT-STATUS=0'
# Cut in whole characters, measured in columns (60 two-byte characters).
accents=$(printf 'é%.0s' $(seq 60)).pcap
ln -sf "$CAP" "$long/$accents"
start 80 24 -- -r "$long/$accents"
check "long UTF-8 file name: whole characters, the state shown" \
    '^ mailtap  \.\.\.(é){10,}\.pcap  \| 20 pkts  1 sess  1 creds  0 drop  [0-9:]{8}  FILE *$'
# A path too long for any fixed buffer, on a wide screen: the file name shows.
deep=$TMP/$(printf 'd%.0s' $(seq 120))/$(printf 'e%.0s' $(seq 120))
mkdir -p "$deep"
ln -sf "$CAP" "$deep/imap-login-ok.pcap"
start 480 10 -- -r "$deep/imap-login-ok.pcap"
check "very long path on a wide screen: all of it" \
    '^ mailtap  /.*/e{120}/imap-login-ok\.pcap  \|  20 packets  1 sessions'

# --- the capture on standard input: keys come from the terminal ----------------
start 100 30 -- -r - "<$CAP"
check "stdin capture: read" 'mailtap +standard input .* 20 packets +1 sessions +1 credentials'
keys Tab Tab
check "stdin capture: keys reach the interface" 'imap +LOGIN +success +alice'
keys q
check "stdin capture: q quits" 'EXIT-STATUS=0'

# --- a SYN flood is on the status line ----------------------------------------
$PY tests/tools/pcap-flood.py "$TMP/flood.pcap" --syns 70000
start 200 30 -- -r "$TMP/flood.pcap"
check "SYN flood: the status line says what it evicted" \
    'flow table full, evicted: 0 sessions, [0-9]+ half-open \(SYN flood\?\)'
check "SYN flood: the login survives it" 'C [A-Z]+ +Rmxvb2QtUHJvb2YtMQ=='
keys q

# --- escapes read back to one byte string ------------------------------------
# A password spelling \x1b in four printable bytes and one with a real ESC
# byte look different: the backslash of the first is doubled.
$PY tests/tools/pcap-dialog.py "$TMP/esc.pcap" 'S:* OK ready\r\n' 'C:a1 LOGIN alice \\x1bpw\r\n' \
    'S:a1 NO bad\r\n' 'C:a2 LOGIN bob \x1bpw\r\n' 'S:a2 OK\r\n'
start 100 30 -- -r "$TMP/esc.pcap"
check "four bytes \\x1b: the backslash doubled" 'C LOGIN +a1 LOGIN alice \\\\x1bpw'
check "an ESC byte: \\x1b" 'C LOGIN +a2 LOGIN bob \\x1bpw'
keys q

# --- a crash leaves the terminal usable ------------------------------------
start 100 30 -- -r "$CAP" --tui-sessions 4242
check "crash test: interface up" 'C LOGIN +[A-Z0-9]+ LOGIN alice'
tty=$($T display-message -p -t m '#{pane_tty}')
pid=$(pgrep -n -f -- "--tui-sessions 4242")
if [ -n "$pid" ] && stty -F "$tty" -a | grep -qw -- -icanon; then ok; else
    bad "crash test: no mailtap process, or the terminal was not in raw mode while it ran"
fi
[ -n "$pid" ] && kill -SEGV "$pid"
check "crash test: mailtap died of the signal" 'EXIT-STATUS=[1-9]'
check "crash test: the screen before mailtap is back" 'BEFORE-MAILTAP'
if stty -F "$tty" -a | grep -qw icanon && stty -F "$tty" -a | grep -qw echo; then ok; else
    bad "crash test: the terminal was left raw: $(stty -F "$tty" -a | grep -o -- '-*icanon\|-*echo ')"
fi

echo "tui: $pass passed, $fail failed"
[ $fail -eq 0 ]
