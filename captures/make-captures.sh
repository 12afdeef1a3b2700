#!/bin/bash
# make-captures.sh - re-create mailtap's reference packet captures.
#
# Runs real servers (Dovecot for IMAP/POP3 and SASL, Postfix for SMTP) and
# real clients (Python imaplib/poplib/smtplib, curl, swaks, Ruby Net::IMAP,
# plus three small stdlib-socket clients of ours in clients/ for syntaxes no
# stock client produces; Samba's winbindd behind Dovecot for NTLM) on the
# loopback interface of a private network namespace, and records each client
# session with tcpdump into its own file in this folder.
#
# Must run as root on Debian 12.  Installs missing Debian packages with
# apt-get.  Touches nothing in /etc: every server config lives in a temp dir
# that is removed on exit together with the namespace and the servers.
#
# Usage: captures/make-captures.sh [-k] [SCENARIO-NAME...]
#   -k              keep the temp dir (configs, logs) for debugging
#   SCENARIO-NAME   only (re)make these captures, e.g. imap-login-ok;
#                   without names every capture is made and stale *.pcap
#                   files in captures/ are removed first.
# See README.md beside this script for what each capture holds.

set -euo pipefail
export LC_ALL=C.UTF-8
umask 022

CAPDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLIENTS=$CAPDIR/clients
MSGS=$CAPDIR/messages
NS=mailtap-cap
PY=/usr/bin/python3
KEEP=0
if [[ ${1:-} == -k ]]; then KEEP=1; shift; fi
ONLY=("$@")

die() { echo "make-captures: ERROR: $*" >&2; exit 1; }
log() { echo "make-captures: $*" >&2; }

[[ $(id -u) == 0 ]] || die "must run as root"

# ---------------------------------------------------------------- packages
PKGS=(dovecot-core dovecot-imapd dovecot-pop3d postfix swaks curl tcpdump
      openssl iproute2 ethtool python3 libnet-ssleay-perl
      libio-socket-ssl-perl libauthen-sasl-perl procps
      winbind samba-common-bin libnss-wrapper ruby)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
        || missing+=("$p")
done
if ((${#missing[@]})); then
    log "installing: ${missing[*]}"
    # Do not let the packages start their system services: this script runs
    # its own instances.  policy-rc.d is only created if absent, and removed.
    made_policy=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        made_policy=1
    fi
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
    ((made_policy)) && rm -f /usr/sbin/policy-rc.d
fi
for c in dovecot postfix postconf swaks curl tcpdump openssl ip ethtool \
         winbindd wbinfo ntlm_auth smbpasswd ruby; do
    command -v "$c" >/dev/null || die "$c not found after install"
done
[[ -x $PY ]] || die "$PY missing"

# ---------------------------------------------------------------- state
WORK=$(mktemp -d /tmp/mailtap-cap.XXXXXX)
chmod 755 "$WORK"
OUT=$WORK/out
mkdir -p "$OUT" "$WORK/log" "$WORK/run" "$WORK/tls" "$WORK/state" "$WORK/mail" "$WORK/msg"
TCPDUMP_PID=

nsx() { ip netns exec "$NS" "$@"; }

cleanup() {
    local rc=$?
    set +e
    if [[ -n $TCPDUMP_PID ]]; then kill -TERM "$TCPDUMP_PID" 2>/dev/null; wait "$TCPDUMP_PID" 2>/dev/null; fi
    if [[ -f $WORK/postfix/main.cf ]]; then
        nsx postfix -c "$WORK/postfix" stop >/dev/null 2>&1
    fi
    if [[ -f $WORK/dovecot/dovecot.conf ]]; then
        nsx dovecot -c "$WORK/dovecot/dovecot.conf" stop >/dev/null 2>&1
    fi
    if [[ -s $WORK/samba/run/winbindd.pid ]]; then
        kill -TERM "$(cat "$WORK/samba/run/winbindd.pid")" 2>/dev/null
    fi
    sleep 1
    # Anything still running in the namespace was started by this script.
    local pids
    pids=$(ip netns pids "$NS" 2>/dev/null)
    if [[ -n $pids ]]; then kill $pids 2>/dev/null; sleep 1; kill -9 $pids 2>/dev/null; fi
    ip netns del "$NS" 2>/dev/null
    if ((rc != 0)); then
        echo "make-captures: FAILED (exit $rc); logs:" >&2
        tail -n 30 "$WORK"/log/*.log >&2 2>/dev/null
    fi
    if ((KEEP)); then echo "make-captures: kept $WORK" >&2; else rm -rf "$WORK"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- namespace
if ip netns list | grep -qw "$NS"; then
    log "removing stale namespace $NS (left by an earlier run)"
    for p in $(ip netns pids "$NS"); do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$NS"
fi
ip netns add "$NS"
nsx ip link set lo up
# Ethernet-sized MTU so that long server responses are split into several
# segments like on a real network; no segmentation offloads, so that no
# recorded segment is larger than the MTU.
nsx ip link set lo mtu 1500
nsx ethtool -K lo tso off gso off gro off >/dev/null \
    || die "ethtool could not turn segmentation offloads off"
# Checksum offload cannot be turned off on lo (tx-checksum-ip-generic is
# "on [fixed]"), so every recorded TCP checksum is left unfilled
# (CHECKSUM_PARTIAL) and shows as "incorrect" in tcpdump -vv.  See README.
for _ in $(seq 50); do
    nsx ip -6 addr show dev lo | grep -q 'inet6 ::1' && break
    sleep 0.1
done
nsx ip -6 addr show dev lo | grep -q 'inet6 ::1' || die "no ::1 in namespace"

# ---------------------------------------------------------------- TLS
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/CN=mail.example.test" -addext "subjectAltName=DNS:mail.example.test,IP:127.0.0.1,IP:::1" \
    -days 3650 -keyout "$WORK/tls/key.pem" -out "$WORK/tls/cert.pem" 2>/dev/null
chmod 644 "$WORK/tls/key.pem"   # read by postfix's smtpd (temp dir only)

# ---------------------------------------------------------------- users
# user:password, one per scenario.  Passwords are stored in plaintext
# ({PLAIN}) because APOP, CRAM-MD5 and DIGEST-MD5 need them (SCRAM works
# from them too: Dovecot derives the SCRAM keys).  NTLM users are
# additionally made in Samba's passdb (see NTLM_USERS below).
# Fields with a ':' would break passwd-file, so none is used.
declare -A PW=(
  [alice]='Wonderland-42'
  [bob]='Builder-v6-7'
  [carol]='Carol-POP3-pass'
  [dave]='Dave-v6-Secret'
  [erin]='Erin-Submit-587'
  [frank]='Frank-Login-v6'
  [grace]='Grace-Real-1'
  [heidi]='Heidi-Apop-9'
  [ivan]='Ivan-Plain-IR'
  [judy]='Judy-Login-3'
  [karl]='Karl-Cram-5'
  [leo]='Leo-STLS-hidden'
  [mia]='Mia-POP3S-hidden'
  [nina]='Nina-Retr-11'
  [oscar]='Oscar-Real-2'
  [peggy]='Peggy "quoted" pass\word'
  [quinn]='Qüinn pässwörd ✓'
  [rupert]='Rupert {5+} "lit" é'
  [sybil]='Sybil-SASL-IR'
  [trent]='Trent-No-IR'
  [ursula]='Ursula-Login-8'
  [victor]='Victor-Cram-6'
  [walter]='Walter-Digest-4'
  [xavier]='Xavier-NTLM-2'
  [yvonne]='Yvonne-OAuth-token'
  [zoe]='Zoe-Bearer-token'
  [amber]='Amber-STARTTLS-hidden'
  [boris]='Boris-IMAPS-hidden'
  [clara]='Clara-Fetch-12'
  [derek]='Derek-Append-13'
  [edith]='Edith-Plain-NoIR'
  [felix]='Felix-Real-3'
  [gina]='Gina-Cram-SMTP'
  [hank]='Hank-TLS-hidden'
  [iris]='Iris-465-hidden'
  [jack]='Jack-Pipeline-5'
  [kate]='Kate-Data-14'
  [liam]='Liam-BDAT-15'
  [mona]='Mona-Clear-16'
  [olga]='Olga-Utf8-quoted ä "ö" \ ü'
  [nora]='Nora-NTLM-17'
  [pablo]='Pablo-Scram-18'
  [quentin]='Quentin-Cancel-19'
  [rosa]='Rosa-Atom-20'
  [sam]='Sam-Real-21'
  [tina]='Tina-Real-22'
  [uma]='Uma-Pipeline-23'
  [vera]='Vera-Pipeline-24'
)
for u in $(printf '%s\n' "${!PW[@]}" | sort); do
    printf '%s:{PLAIN}%s\n' "$u" "${PW[$u]}"
done > "$WORK/users"
chmod 644 "$WORK/users"

# Mailboxes: every user gets a welcome message; some get a special one.
crlf() { sed 's/$/\r/' "$1"; }
seed() {  # seed USER FILE N
    local d=$WORK/mail/$1/Maildir
    mkdir -p "$d/cur" "$d/new" "$d/tmp"
    cp "$2" "$d/cur/1767225600.M${3}P1.mail.example.test:2,"
}
for u in "${!PW[@]}"; do
    case $u in
        nina)  seed nina "$MSGS/pop3-decoy.eml" 1 ;;
        clara) seed clara "$MSGS/imap-decoy.eml" 1 ;;
        *)     seed "$u" "$MSGS/welcome.eml" 1 ;;
    esac
done
chown -R 65534:65534 "$WORK/mail"
for f in smtp-submit.eml imap-append-decoy.eml smtp-bdat.eml smtp-ntlm.eml; do
    crlf "$MSGS/$f" > "$WORK/msg/$f"
done
cp "$MSGS/smtp-decoy-body.txt" "$WORK/msg/"
chmod -R a+rX "$WORK/msg"

# ---------------------------------------------------------------- Samba (NTLM)
# Dovecot 2.3.19 has no built-in NTLM any more: its only NTLM is
# "auth_use_winbind", which runs Samba's ntlm_auth
# (--helper-protocol=squid-2.5-ntlmssp) against a running winbindd.  So a
# standalone Samba (server role = standalone, tdbsam passdb; no smbd, no
# nmbd: only winbindd) is set up in the temp dir for the NTLM users.  Samba
# wants a Unix account behind every passdb user; instead of touching
# /etc/passwd, Samba's own test tool nss_wrapper (LD_PRELOAD) gives
# winbindd, smbpasswd and ntlm_auth a passwd/group file of their own, and
# SELFTEST_WINBINDD_SOCKET_DIR (honoured while nss_wrapper is active) points
# ntlm_auth at this winbindd.  The local SAM domain is the NetBIOS name MAIL;
# clients send MAIL\user (winbindd refuses an empty domain here).
NTLM_USERS=(nora xavier)
SMB=$WORK/samba
NSSW=/usr/lib/x86_64-linux-gnu/libnss_wrapper.so
[[ -e $NSSW ]] || die "$NSSW not found"
mkdir -p "$SMB"/{private,lock,state,cache,run,ncalrpc,wbsock}
# ntlm_auth runs as Dovecot's auth user (dovecot): it needs winbindd's
# privileged pipe, whose directory (state dir/winbindd_privileged) winbindd
# accepts if it already exists, owned by root with mode 0750.
install -d -o root -g dovecot -m 0750 "$SMB/state/winbindd_privileged"
chmod 1777 "$SMB/cache" "$SMB/lock"   # ntlm_auth (user dovecot) keeps caches there
cat > "$SMB/smb.conf" <<EOF
# generated by make-captures.sh
[global]
  workgroup = MAILTAP
  netbios name = MAIL
  server role = standalone server
  passdb backend = tdbsam:$SMB/private/passdb.tdb
  private dir = $SMB/private
  lock directory = $SMB/lock
  state directory = $SMB/state
  cache directory = $SMB/cache
  pid directory = $SMB/run
  ncalrpc dir = $SMB/ncalrpc
  winbindd socket directory = $SMB/wbsock
  log file = $WORK/log/samba-%m.log
  interfaces = lo
  bind interfaces only = yes
  disable netbios = yes
  load printers = no
  idmap config * : backend = tdb
  idmap config * : range = 100000-199999
EOF
{
    echo "root:x:0:0:root:/root:/bin/sh"
    echo "nobody:x:65534:65534:nobody:/nonexistent:/bin/false"
    i=1
    for u in "${NTLM_USERS[@]}"; do
        echo "$u:x:$((60000 + i)):60000:$u:/nonexistent:/bin/false"
        i=$((i + 1))
    done
} > "$SMB/passwd"
printf 'root:x:0:\nnogroup:x:65534:\nmailtap:x:60000:\n' > "$SMB/group"
chmod 644 "$SMB/smb.conf" "$SMB/passwd" "$SMB/group"
SMBENV=(env LD_PRELOAD=$NSSW NSS_WRAPPER_PASSWD=$SMB/passwd
        NSS_WRAPPER_GROUP=$SMB/group SELFTEST_WINBINDD_SOCKET_DIR=$SMB/wbsock)
for u in "${NTLM_USERS[@]}"; do
    printf '%s\n%s\n' "${PW[$u]}" "${PW[$u]}" \
        | nsx "${SMBENV[@]}" smbpasswd -c "$SMB/smb.conf" -L -s -a "$u" >>"$WORK/log/samba-smbpasswd.log" 2>&1 \
        || die "smbpasswd -a $u failed"
done
nsx "${SMBENV[@]}" winbindd -s "$SMB/smb.conf" -D
for _ in $(seq 100); do
    nsx "${SMBENV[@]}" wbinfo --ping >/dev/null 2>&1 && break
    sleep 0.1
done
for u in "${NTLM_USERS[@]}"; do
    nsx "${SMBENV[@]}" wbinfo -a "MAIL\\$u%${PW[$u]}" >>"$WORK/log/samba-wbinfo.log" 2>&1 \
        || die "winbindd does not authenticate $u"
done
# Dovecot's winbind helper (Dovecot passes only --helper-protocol=...)
{
    echo '#!/bin/sh'
    echo "exec ${SMBENV[*]} /usr/bin/ntlm_auth --configfile=$SMB/smb.conf \"\$@\""
} > "$SMB/ntlm_auth"
chmod 755 "$SMB/ntlm_auth"

# ---------------------------------------------------------------- Dovecot
mkdir -p "$WORK/dovecot"
cat > "$WORK/dovecot/dovecot.conf" <<EOF
# generated by make-captures.sh
protocols = imap pop3
listen = 127.0.0.1, ::1
base_dir = $WORK/run/dovecot
state_dir = $WORK/state
instance_name = mailtap-cap
log_path = $WORK/log/dovecot.log
info_log_path = $WORK/log/dovecot.log
auth_verbose = yes
ssl = yes
ssl_cert = <$WORK/tls/cert.pem
ssl_key = <$WORK/tls/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login cram-md5 digest-md5 apop anonymous xoauth2 oauthbearer scram-sha-1 scram-sha-256 external ntlm
# NTLM through Samba's ntlm_auth and winbindd (see the Samba section)
auth_use_winbind = yes
auth_winbind_helper_path = $SMB/ntlm_auth
auth_anonymous_username = anonymous
# a non-empty realm in the DIGEST-MD5 challenge (the user name then becomes
# user@example.test, and username_format=%n below strips the domain again)
auth_realms = example.test
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $WORK/users
}
userdb {
  driver = static
  args = uid=65534 gid=65534 home=$WORK/mail/%n
}
first_valid_uid = 1
mail_location = maildir:~/Maildir
mail_privileged_group =
pop3_uidl_format = %08Xu%08Xv
service imap-login {
  inet_listener imap {
    port = 143
  }
  inet_listener imaps {
    port = 993
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 110
  }
  inet_listener pop3s {
    port = 995
    ssl = yes
  }
}
service auth {
  unix_listener $WORK/run/auth-postfix {
    mode = 0666
  }
}
EOF
mkdir -p "$WORK/mail/anonymous/Maildir"/{cur,new,tmp}
chown -R 65534:65534 "$WORK/mail/anonymous"
# In its own UTS namespace with a fixed host name: Dovecot puts the host
# name into the POP3 APOP greeting timestamp and the CRAM-MD5 challenge.
nsx unshare --uts sh -c 'hostname mail.example.test && exec dovecot -c "$1"' sh "$WORK/dovecot/dovecot.conf"

# ---------------------------------------------------------------- Postfix
PF=$WORK/postfix
mkdir -p "$PF" "$WORK/postfix-spool" "$WORK/postfix-data"
chown postfix "$WORK/postfix-data"
cat > "$PF/main.cf" <<EOF
# generated by make-captures.sh
compatibility_level = 3.6
queue_directory = $WORK/postfix-spool
data_directory = $WORK/postfix-data
maillog_file_prefixes = $WORK
maillog_file = $WORK/log/postfix.log
myhostname = mail.example.test
mydomain = example.test
myorigin = example.test
mydestination =
relay_domains =
inet_interfaces = loopback-only
inet_protocols = all
mynetworks = 127.0.0.0/8 [::1]/128
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtpd_banner = \$myhostname ESMTP Postfix
# everything accepted is thrown away: nothing leaves the namespace
default_transport = discard:mailtap capture
relay_transport = discard:mailtap capture
local_transport = discard:mailtap capture
smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination
smtpd_sasl_type = dovecot
smtpd_sasl_path = $WORK/run/auth-postfix
smtpd_sasl_auth_enable = no
broken_sasl_auth_clients = no
smtpd_tls_cert_file = $WORK/tls/cert.pem
smtpd_tls_key_file = $WORK/tls/key.pem
smtpd_tls_security_level = may
smtpd_tls_auth_only = no
smtpd_tls_loglevel = 1
EOF
cat > "$PF/master.cf" <<'EOF'
# generated by make-captures.sh (no chroot anywhere)
25        inet  n       -       n       -       -       smtpd
587       inet  n       -       n       -       -       smtpd
  -o syslog_name=postfix/submission
  -o smtpd_sasl_auth_enable=yes
465       inet  n       -       n       -       -       smtpd
  -o syslog_name=postfix/submissions
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
nsx postfix -c "$PF" check
nsx postfix -c "$PF" start >/dev/null 2>&1 || { cat "$WORK/log/postfix.log" >&2; die "postfix did not start"; }

# ---------------------------------------------------------------- readiness
wait_port() {  # wait_port HOST PORT
    local i
    for i in $(seq 100); do
        if nsx $PY -c "import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 1).close()" "$1" "$2" 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    die "nothing listens on $1 port $2"
}
for port in 143 993 110 995; do wait_port 127.0.0.1 $port; wait_port ::1 $port; done
for port in 25 587 465; do wait_port 127.0.0.1 $port; wait_port ::1 $port; done
sleep 1   # the probe connections above must not end up in a capture
if [[ -n ${MAILTAP_HOLD:-} ]]; then
    # debugging aid: keep the servers up for MAILTAP_HOLD seconds so that
    # clients can be tried by hand with 'ip netns exec mailtap-cap ...'
    log "servers up in namespace $NS, work dir $WORK; holding ${MAILTAP_HOLD}s"
    sleep "$MAILTAP_HOLD" & wait $!
fi

# ---------------------------------------------------------------- capture
# capture NAME PORT EXPECT [--has TEXT]... [--lacks TEXT]... -- COMMAND...
#   Records 'tcp port PORT' on the namespace's lo while COMMAND runs in the
#   namespace.  EXPECT is ok (COMMAND must exit 0) or fail (must exit
#   non-zero, e.g. swaks after a refused login).  Then tools/pcapcheck.py
#   checks: one TCP connection, SYN to FIN, no RST, every --has TEXT in the
#   reassembled payload and no --lacks TEXT (--allow-rst: see pcapcheck.py).
want() {
    ((${#ONLY[@]} == 0)) && return 0
    local n
    for n in "${ONLY[@]}"; do [[ $n == "$1" || $n == "$1.pcap" ]] && return 0; done
    return 1
}
capture() {
    local name=$1 port=$2 expect=$3
    shift 3
    local checks=()
    while [[ $1 != -- ]]; do
        if [[ $1 == --allow-rst ]]; then checks+=("$1"); shift; else checks+=("$1" "$2"); shift 2; fi
    done
    shift
    want "$name" || return 0
    local file=$OUT/$name.pcap err=$WORK/log/tcpdump-$name.err clog=$WORK/log/client-$name.log
    log "capturing $name.pcap (port $port)"
    # started directly (not through the nsx function) so that $! is tcpdump
    # itself: 'ip netns exec' execs the command in place.
    ip netns exec "$NS" tcpdump -i lo -nn -U -Z root -s 0 -w "$file" "tcp port $port" 2>"$err" &
    TCPDUMP_PID=$!
    local i
    for i in $(seq 100); do grep -q 'listening on' "$err" && break; sleep 0.1; done
    grep -q 'listening on' "$err" || die "tcpdump for $name not ready: $(cat "$err")"
    sleep 0.2
    local rc=0
    nsx timeout 90 "$@" >"$clog" 2>&1 || rc=$?
    sleep 1   # let the last FIN/ACK through and tcpdump write it
    kill -TERM "$TCPDUMP_PID"
    wait "$TCPDUMP_PID" || true
    TCPDUMP_PID=
    if [[ $expect == ok && $rc != 0 ]]; then
        cat "$clog" >&2; die "$name: client failed (exit $rc)"
    fi
    if [[ $expect == fail && $rc == 0 ]]; then
        cat "$clog" >&2; die "$name: client succeeded but a failure was expected"
    fi
    $PY "$CAPDIR/tools/pcapcheck.py" "$file" "${checks[@]}" >&2 || die "$name: capture check failed"
}
# meta NAME PROTO IP PORT CLIENT MECHANISM USER PASSWORD RESULT EXPOSURE NOTE
#   one line of expected.tsv (see README.md)
printf 'file\tprotocol\tip\tport\tclient\tmechanism\tuser\tpassword\tresult\texposure\tnote\n' > "$OUT/expected.tsv"
meta() {
    local IFS=$'\t'
    printf '%s\n' "$1.pcap	${*:2}" >> "$OUT/expected.tsv"
}
b64() { printf '%s' "$1" | base64 -w0; }
plain_b64() { printf '\0%s\0%s' "$1" "$2" | base64 -w0; }

V4=127.0.0.1
V6=::1
TO=bob@example.test
IMAPLIB=("$PY" "$CLIENTS/imaplib_session.py")
POPLIB=("$PY" "$CLIENTS/poplib_session.py")
IMAPRAW=("$PY" "$CLIENTS/imap_raw.py")
CURL=(curl --silent --show-error --max-time 60 --output /dev/null)
# swaks with fixed headers: SWAKS_BASE SUBJECT MESSAGE-ID DATE-MINUTE
swaks_fixed() {
    SW=(swaks --ehlo client.example.test --to "$TO"
        --h-Subject "$1" --h-Message-Id "<$2@client.example.test>"
        --h-Date "Thu, 01 Jan 2026 12:$3:00 +0000")
}
PLAIN_MALLORY=AG1hbGxvcnkAbm90cmVhbA==

# ================================================================ group 1
capture imap-login-ok 143 ok --has 'LOGIN alice "Wonderland-42"' --has 'OK [CAPABILITY' -- \
    "${IMAPLIB[@]}" $V4 143 login alice "${PW[alice]}"
meta imap-login-ok IMAP 4 143 imaplib LOGIN alice "${PW[alice]}" ok cleartext 'quoted strings; SELECT INBOX; LOGOUT'
capture imap-login-ok-ipv6 143 ok --has 'LOGIN bob "Builder-v6-7"' -- \
    "${IMAPLIB[@]}" $V6 143 login bob "${PW[bob]}"
meta imap-login-ok-ipv6 IMAP 6 143 imaplib LOGIN bob "${PW[bob]}" ok cleartext 'quoted strings; SELECT INBOX; LOGOUT'
capture pop3-user-pass-ok 110 ok --has 'USER carol' --has 'PASS Carol-POP3-pass' --has '+OK Logged in.' -- \
    "${POPLIB[@]}" $V4 110 user-pass carol "${PW[carol]}"
meta pop3-user-pass-ok POP3 4 110 poplib USER/PASS carol "${PW[carol]}" ok cleartext 'STAT, LIST, UIDL, QUIT'
capture pop3-user-pass-ok-ipv6 110 ok --has 'USER dave' --has 'PASS Dave-v6-Secret' --has '+OK Logged in.' -- \
    "${POPLIB[@]}" $V6 110 user-pass dave "${PW[dave]}"
meta pop3-user-pass-ok-ipv6 POP3 6 110 poplib USER/PASS dave "${PW[dave]}" ok cleartext 'STAT, LIST, UIDL, QUIT'
swaks_fixed 'Sent with swaks, AUTH PLAIN' swaks-plain 06
capture smtp-auth-plain-ok 587 ok --has "AUTH PLAIN $(plain_b64 erin "${PW[erin]}")" --has '235 2.7.0' \
    --has 'MAIL FROM:<erin@example.test>' --has '250 2.0.0 Ok: queued' -- \
    "${SW[@]}" --server $V4 --port 587 --auth PLAIN --auth-user erin --auth-password "${PW[erin]}" \
    --from erin@example.test --body 'Hello Bob, submitted on port 587 with AUTH PLAIN.'
meta smtp-auth-plain-ok SMTP 4 587 swaks PLAIN erin "${PW[erin]}" ok cleartext 'initial response on the AUTH line; message sent (MAIL/RCPT/DATA); STARTTLS offered, not used'
swaks_fixed 'Sent with swaks over IPv6, AUTH LOGIN' swaks-login-v6 07
capture smtp-auth-login-ok-ipv6 587 ok --has 'AUTH LOGIN' --has "$(b64 frank)" --has "$(b64 "${PW[frank]}")" --has '235 2.7.0' -- \
    "${SW[@]}" -6 --server $V6 --port 587 --auth LOGIN --auth-user frank --auth-password "${PW[frank]}" \
    --from frank@example.test --body 'Hello Bob, submitted over IPv6 with AUTH LOGIN.'
meta smtp-auth-login-ok-ipv6 SMTP 6 587 swaks LOGIN frank "${PW[frank]}" ok cleartext '334 VXNlcm5hbWU6 / 334 UGFzc3dvcmQ6 dialogue; message sent; STARTTLS offered, not used'

# ================================================================ group 2: POP3
capture pop3-user-pass-fail 110 ok --has 'USER grace' --has 'PASS Not-Grace-Pass' --has '-ERR [AUTH] Authentication failed.' -- \
    "${POPLIB[@]}" $V4 110 user-pass grace 'Not-Grace-Pass' --expect fail
meta pop3-user-pass-fail POP3 4 110 poplib USER/PASS grace 'Not-Grace-Pass' fail cleartext "wrong password (real one: ${PW[grace]}); -ERR then QUIT"
capture pop3-apop-ok 110 ok --has 'APOP heidi ' --lacks "${PW[heidi]}" -- \
    "${POPLIB[@]}" $V4 110 apop heidi "${PW[heidi]}"
meta pop3-apop-ok POP3 4 110 poplib APOP heidi "${PW[heidi]}" ok challenge-response 'APOP user md5(<timestamp>password); timestamp in the greeting'
capture pop3-auth-plain-ir-ok 110 ok --has "AUTH PLAIN $(plain_b64 ivan "${PW[ivan]}")" --has '+OK Logged in.' -- \
    "${CURL[@]}" --sasl-ir --login-options AUTH=PLAIN -u "ivan:${PW[ivan]}" pop3://$V4/
meta pop3-auth-plain-ir-ok POP3 4 110 curl PLAIN ivan "${PW[ivan]}" ok cleartext 'CAPA, then AUTH PLAIN with initial response (--sasl-ir), LIST, QUIT'
capture pop3-auth-login-ok 110 ok --has 'AUTH LOGIN' --has "$(b64 judy)" --has "$(b64 "${PW[judy]}")" -- \
    "${CURL[@]}" --login-options AUTH=LOGIN -u "judy:${PW[judy]}" pop3://$V4/
meta pop3-auth-login-ok POP3 4 110 curl LOGIN judy "${PW[judy]}" ok cleartext '"+ VXNlcm5hbWU6" / "+ UGFzc3dvcmQ6" dialogue'
capture pop3-auth-cram-md5-ok 110 ok --has 'AUTH CRAM-MD5' --lacks "$(b64 "${PW[karl]}")" -- \
    "${CURL[@]}" --login-options AUTH=CRAM-MD5 -u "karl:${PW[karl]}" pop3://$V4/
meta pop3-auth-cram-md5-ok POP3 4 110 curl CRAM-MD5 karl "${PW[karl]}" ok challenge-response 'response is base64("karl " hex-hmac-md5)'
capture pop3-stls 110 ok --allow-rst --has 'STLS' --lacks "${PW[leo]}" -- \
    "${CURL[@]}" --insecure --ssl-reqd --login-options AUTH=PLAIN -u "leo:${PW[leo]}" pop3://$V4/
meta pop3-stls POP3 4 110 curl 'STLS then (TLS) AUTH PLAIN' leo "${PW[leo]}" ok tls 'CAPA, STLS, TLS 1.3 handshake; no credentials visible'
capture pop3s-995 995 ok --allow-rst --lacks "${PW[mia]}" -- \
    "${CURL[@]}" --insecure --login-options AUTH=PLAIN -u "mia:${PW[mia]}" pop3s://$V4/
meta pop3s-995 POP3 4 995 curl '(TLS) AUTH PLAIN' mia "${PW[mia]}" ok tls 'implicit TLS from the first byte; no credentials visible'
capture pop3-retr-decoy-body 110 ok --has 'USER nina' --has 'PASS Nina-Retr-11' --has 'USER mallory' \
    --has 'PASS notreal' --has "AUTH PLAIN $PLAIN_MALLORY" --has '..this line starts with a dot' -- \
    "${POPLIB[@]}" $V4 110 user-pass nina "${PW[nina]}" --retr 1
meta pop3-retr-decoy-body POP3 4 110 poplib USER/PASS nina "${PW[nina]}" ok cleartext "RETR 1: message body (server to client) has lines USER mallory / PASS notreal / AUTH PLAIN $PLAIN_MALLORY and a dot-stuffed line; mallory is NOT a credential"

# ================================================================ group 2: IMAP
capture imap-login-fail 143 ok --has 'LOGIN oscar "Not-Oscar-Pass"' --has 'NO [AUTHENTICATIONFAILED]' -- \
    "${IMAPLIB[@]}" $V4 143 login oscar 'Not-Oscar-Pass' --expect fail
meta imap-login-fail IMAP 4 143 imaplib LOGIN oscar 'Not-Oscar-Pass' fail cleartext "wrong password (real one: ${PW[oscar]}); NO [AUTHENTICATIONFAILED], then LOGOUT"
capture imap-login-quoted-special 143 ok --has 'LOGIN peggy "Peggy \"quoted\" pass\\word"' -- \
    "${IMAPLIB[@]}" $V4 143 login peggy "${PW[peggy]}"
meta imap-login-quoted-special IMAP 4 143 imaplib LOGIN peggy "${PW[peggy]}" ok cleartext 'quoted string with \" and \\ escapes and spaces (on the wire: "Peggy \"quoted\" pass\\word")'
capture imap-login-quoted-utf8 143 ok --has "a1 LOGIN \"olga\" \"Olga-Utf8-quoted ä \\\"ö\\\" \\\\ ü\"" -- \
    "${IMAPRAW[@]}" $V4 143 quoted olga "${PW[olga]}"
meta imap-login-quoted-utf8 IMAP 4 143 'own script (imap_raw.py)' LOGIN olga "${PW[olga]}" ok cleartext 'quoted string with raw UTF-8 bytes, \" and \\ escapes'
capture imap-login-literal 143 ok --has 'a1 LOGIN {5}' --has 'quinn {21}' --has "${PW[quinn]}" -- \
    "${IMAPRAW[@]}" $V4 143 literal quinn "${PW[quinn]}"
meta imap-login-literal IMAP 4 143 'own script (imap_raw.py)' LOGIN quinn "${PW[quinn]}" ok cleartext 'synchronising literals {5} and {21} (UTF-8 byte count), client waits for "+ OK" each time'
capture imap-login-literal-plus-ipv6 143 ok --has 'a1 LOGIN {6+}' --has 'rupert {20+}' --has "${PW[rupert]}" -- \
    "${IMAPRAW[@]}" $V6 143 literal-plus rupert "${PW[rupert]}"
meta imap-login-literal-plus-ipv6 IMAP 6 143 'own script (imap_raw.py)' LOGIN rupert "${PW[rupert]}" ok cleartext 'non-synchronising literals {6+} and {20+} in one segment; the password itself contains "{5+}"'
capture imap-authenticate-plain-ir 143 ok --has "AUTHENTICATE PLAIN $(plain_b64 sybil "${PW[sybil]}")" -- \
    "${CURL[@]}" --login-options AUTH=PLAIN -u "sybil:${PW[sybil]}" imap://$V4/INBOX
meta imap-authenticate-plain-ir IMAP 4 143 curl PLAIN sybil "${PW[sybil]}" ok cleartext 'SASL-IR: initial response on the AUTHENTICATE line; then LIST, LOGOUT'
capture imap-authenticate-plain 143 ok --has 'AUTHENTICATE PLAIN' --has "$(plain_b64 trent "${PW[trent]}")" -- \
    "${IMAPLIB[@]}" $V4 143 auth-plain trent "${PW[trent]}"
meta imap-authenticate-plain IMAP 4 143 imaplib PLAIN trent "${PW[trent]}" ok cleartext 'no SASL-IR: "AUTHENTICATE PLAIN", server "+ ", then the base64 line'
capture imap-authenticate-login 143 ok --has 'AUTHENTICATE LOGIN' --has "$(b64 ursula)" --has "$(b64 "${PW[ursula]}")" -- \
    "${CURL[@]}" --login-options AUTH=LOGIN -u "ursula:${PW[ursula]}" imap://$V4/INBOX
meta imap-authenticate-login IMAP 4 143 curl LOGIN ursula "${PW[ursula]}" ok cleartext 'SASL LOGIN: curl sends the user name as initial response (SASL-IR), password after "+ UGFzc3dvcmQ6"'
capture imap-authenticate-cram-md5 143 ok --has 'AUTHENTICATE CRAM-MD5' --lacks "$(b64 "${PW[victor]}")" -- \
    "${IMAPLIB[@]}" $V4 143 cram-md5 victor "${PW[victor]}"
meta imap-authenticate-cram-md5 IMAP 4 143 imaplib CRAM-MD5 victor "${PW[victor]}" ok challenge-response 'imaplib.login_cram_md5'
capture imap-authenticate-digest-md5 143 ok --has 'AUTHENTICATE DIGEST-MD5' -- \
    "${IMAPLIB[@]}" $V4 143 digest-md5 walter "${PW[walter]}"
meta imap-authenticate-digest-md5 IMAP 4 143 'imaplib + own DIGEST-MD5 response code' DIGEST-MD5 walter "${PW[walter]}" ok challenge-response 'realm example.test, digest-uri imap/mail.example.test, fixed cnonce; final "+ rspauth=..." answered with an empty line'
capture imap-authenticate-xoauth2 143 ok --has 'AUTHENTICATE XOAUTH2' -- \
    "${IMAPLIB[@]}" $V4 143 xoauth2 yvonne "${PW[yvonne]}"
meta imap-authenticate-xoauth2 IMAP 4 143 imaplib XOAUTH2 yvonne "${PW[yvonne]}" ok token 'no SASL-IR; base64("user=yvonne^Aauth=Bearer TOKEN^A^A"); Dovecot 2.3 checks the token like a password, so it succeeds'
capture imap-authenticate-xoauth2-fail 143 ok --has 'AUTHENTICATE XOAUTH2' --has 'NO [AUTHENTICATIONFAILED]' -- \
    "${IMAPLIB[@]}" $V4 143 xoauth2 yvonne 'Expired-OAuth-token' --expect fail
meta imap-authenticate-xoauth2-fail IMAP 4 143 imaplib XOAUTH2 yvonne 'Expired-OAuth-token' fail token 'wrong token: server answers with a "+ <base64 JSON error>" challenge, client sends an empty line, then NO'
capture imap-authenticate-oauthbearer 143 ok --has 'AUTHENTICATE OAUTHBEARER ' -- \
    "${CURL[@]}" --login-options AUTH=OAUTHBEARER -u 'zoe:' --oauth2-bearer "${PW[zoe]}" imap://$V4/INBOX
meta imap-authenticate-oauthbearer IMAP 4 143 curl OAUTHBEARER zoe "${PW[zoe]}" ok token 'SASL-IR: base64("n,a=zoe,^Ahost=127.0.0.1^Aport=143^Aauth=Bearer TOKEN^A^A"); accepted like a password by Dovecot 2.3'
capture imap-authenticate-anonymous 143 ok --has 'AUTHENTICATE ANONYMOUS' -- \
    "${IMAPLIB[@]}" $V4 143 anonymous anonymous 'mailtap-trace@example.test'
meta imap-authenticate-anonymous IMAP 4 143 imaplib ANONYMOUS 'mailtap-trace@example.test' - ok trace 'SASL ANONYMOUS: the base64 line is only a trace string (RFC 4505), reported as the user; no password; logged in as "anonymous"'
capture imap-starttls 143 ok --allow-rst --has 'STARTTLS' --lacks "${PW[amber]}" -- \
    "${CURL[@]}" --insecure --ssl-reqd --login-options AUTH=PLAIN -u "amber:${PW[amber]}" imap://$V4/INBOX
meta imap-starttls IMAP 4 143 curl 'STARTTLS then (TLS) AUTHENTICATE PLAIN' amber "${PW[amber]}" ok tls 'CAPABILITY, STARTTLS, TLS 1.3; no credentials visible'
capture imaps-993 993 ok --allow-rst --lacks "${PW[boris]}" -- \
    "${CURL[@]}" --insecure --login-options AUTH=PLAIN -u "boris:${PW[boris]}" imaps://$V4/INBOX
meta imaps-993 IMAP 4 993 curl '(TLS) AUTHENTICATE PLAIN' boris "${PW[boris]}" ok tls 'implicit TLS; no credentials visible'
capture imap-fetch-decoy-body 143 ok --has 'LOGIN clara "Clara-Fetch-12"' --has 'a1 LOGIN mallory notreal' \
    --has "a2 AUTHENTICATE PLAIN $PLAIN_MALLORY" --has 'BODY[] {' -- \
    "${IMAPLIB[@]}" $V4 143 login clara "${PW[clara]}" --fetch 1
meta imap-fetch-decoy-body IMAP 4 143 imaplib LOGIN clara "${PW[clara]}" ok cleartext "FETCH 1 (BODY.PEEK[]): the literal in the server's answer holds lines a1 LOGIN mallory notreal / a2 AUTHENTICATE PLAIN $PLAIN_MALLORY; mallory is NOT a credential"
capture imap-append-decoy-literal 143 ok --has 'LOGIN derek "Derek-Append-13"' --has 'APPEND INBOX {' \
    --has 'a1 LOGIN mallory notreal' --has "a2 AUTHENTICATE PLAIN $PLAIN_MALLORY" -- \
    "${IMAPLIB[@]}" $V4 143 login derek "${PW[derek]}" --append "$WORK/msg/imap-append-decoy.eml"
meta imap-append-decoy-literal IMAP 4 143 imaplib LOGIN derek "${PW[derek]}" ok cleartext "APPEND INBOX {n} (synchronising literal, client to server) holding lines a1 LOGIN mallory notreal / a2 AUTHENTICATE PLAIN $PLAIN_MALLORY; mallory is NOT a credential"

# ================================================================ group 2: SMTP
capture smtp-auth-plain-no-ir 587 ok --has 'AUTH PLAIN' --has "$(plain_b64 edith "${PW[edith]}")" --has '334 ' -- \
    "$PY" "$CLIENTS/smtplib_session.py" $V4 587 edith "${PW[edith]}" --from edith@example.test --to "$TO" \
    --message "$WORK/msg/smtp-submit.eml"
meta smtp-auth-plain-no-ir SMTP 4 587 smtplib PLAIN edith "${PW[edith]}" ok cleartext '"AUTH PLAIN", server "334 ", then the base64 line; message sent'
swaks_fixed 'AUTH LOGIN with a wrong password' swaks-login-fail 08
capture smtp-auth-login-fail 587 fail --has 'AUTH LOGIN' --has "$(b64 felix)" --has "$(b64 'Not-Felix-Pass')" --has '535 5.7.8' -- \
    "${SW[@]}" --server $V4 --port 587 --auth LOGIN --auth-user felix --auth-password 'Not-Felix-Pass' \
    --from felix@example.test
meta smtp-auth-login-fail SMTP 4 587 swaks LOGIN felix 'Not-Felix-Pass' fail cleartext "wrong password (real one: ${PW[felix]}); 535 5.7.8, then QUIT"
swaks_fixed 'Sent with swaks, AUTH CRAM-MD5' swaks-cram 09
capture smtp-auth-cram-md5 587 ok --has 'AUTH CRAM-MD5' --has '235 2.7.0' --lacks "$(b64 "${PW[gina]}")" -- \
    "${SW[@]}" --server $V4 --port 587 --auth CRAM-MD5 --auth-user gina --auth-password "${PW[gina]}" \
    --from gina@example.test --body 'Hello Bob, submitted with AUTH CRAM-MD5.'
meta smtp-auth-cram-md5 SMTP 4 587 swaks CRAM-MD5 gina "${PW[gina]}" ok challenge-response 'message sent'
swaks_fixed 'Sent with swaks over STARTTLS' swaks-starttls 10
capture smtp-starttls-auth 587 ok --allow-rst --has 'STARTTLS' --has '220 2.0.0 Ready to start TLS' --lacks "${PW[hank]}" -- \
    "${SW[@]}" --server $V4 --port 587 -tls --auth PLAIN --auth-user hank --auth-password "${PW[hank]}" \
    --from hank@example.test --body 'Hello Bob, submitted after STARTTLS.'
meta smtp-starttls-auth SMTP 4 587 swaks 'STARTTLS then (TLS) PLAIN' hank "${PW[hank]}" ok tls 'EHLO, STARTTLS, TLS 1.3, EHLO, AUTH, message; nothing visible after STARTTLS'
swaks_fixed 'Sent with swaks over implicit TLS' swaks-465 11
capture smtps-465 465 ok --allow-rst --lacks "${PW[iris]}" -- \
    "${SW[@]}" --server $V4 --port 465 --tlsc --auth LOGIN --auth-user iris --auth-password "${PW[iris]}" \
    --from iris@example.test --body 'Hello Bob, submitted on port 465.'
meta smtps-465 SMTP 4 465 swaks '(TLS) LOGIN' iris "${PW[iris]}" ok tls 'implicit TLS (submissions); no credentials visible'
swaks_fixed 'Sent with swaks, PIPELINING' swaks-pipeline 12
capture smtp-auth-plain-pipelining 587 ok --has "AUTH PLAIN $(plain_b64 jack "${PW[jack]}")" \
    --has $'MAIL FROM:<jack@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n' -- \
    "${SW[@]}" --server $V4 --port 587 --pipeline --auth PLAIN --auth-user jack --auth-password "${PW[jack]}" \
    --from jack@example.test --body 'Hello Bob, MAIL, RCPT and DATA went out in one segment.'
meta smtp-auth-plain-pipelining SMTP 4 587 swaks PLAIN jack "${PW[jack]}" ok cleartext 'PIPELINING: MAIL FROM, RCPT TO and DATA sent together, replies come together'
swaks_fixed 'SMTP commands quoted in a message body' swaks-decoy 13
capture smtp-data-decoy-body 587 ok --has "AUTH PLAIN $(plain_b64 kate "${PW[kate]}")" \
    --has $'\r\nAUTH PLAIN AG1hbGxvcnkAbm90cmVhbA==\r\nUSER mallory\r\na1 LOGIN mallory notreal\r\n..this line' \
    --has $'\r\n..\r\nThe line above' -- \
    "${SW[@]}" --server $V4 --port 587 --auth PLAIN --auth-user kate --auth-password "${PW[kate]}" \
    --from kate@example.test --body "@$WORK/msg/smtp-decoy-body.txt"
meta smtp-data-decoy-body SMTP 4 587 swaks PLAIN kate "${PW[kate]}" ok cleartext "DATA body holds lines AUTH PLAIN $PLAIN_MALLORY / USER mallory / a1 LOGIN mallory notreal, a dot-stuffed line and a lone dot sent as '..'; mallory is NOT a credential"
capture smtp-bdat-chunking 587 ok --has "AUTH PLAIN $(plain_b64 liam "${PW[liam]}")" --has 'BDAT ' --has ' LAST' \
    --has $'AUTH PLBDAT ' --has "LAST"$'\r\n'"AIN $PLAIN_MALLORY" --has 'MAIL FROM:<mallory@example.test>' -- \
    "$PY" "$CLIENTS/smtp_bdat.py" $V4 587 liam "${PW[liam]}" --from liam@example.test --to "$TO" \
    --message "$WORK/msg/smtp-bdat.eml" --split-before "AIN $PLAIN_MALLORY"
meta smtp-bdat-chunking SMTP 4 587 'own script (smtp_bdat.py)' PLAIN liam "${PW[liam]}" ok cleartext "AUTH PLAIN with initial response, then BDAT n / BDAT m LAST; the chunk boundary splits a body line AUTH PL|AIN $PLAIN_MALLORY; the body also has MAIL FROM:<mallory@...>, a lone '.' and QUIT lines (BDAT data is not dot-stuffed)"
swaks_fixed 'Relayed on port 25 without AUTH' swaks-port25 14
capture smtp-port25-noauth 25 ok --has 'MAIL FROM:<sender@example.test>' --lacks 'AUTH ' -- \
    "${SW[@]}" --server $V4 --port 25 --from sender@example.test --body 'Hello Bob, no authentication on port 25.'
meta smtp-port25-noauth SMTP 4 25 swaks none - - none none 'no AUTH offered or used (accepted because 127.0.0.1 is in mynetworks); STARTTLS offered, not used; no credential at all'
swaks_fixed 'AUTH LOGIN in the clear although STARTTLS is offered' swaks-clear 15
capture smtp-auth-login-starttls-ignored 587 ok --has '250-STARTTLS' --has 'AUTH LOGIN' --has "$(b64 mona)" --has "$(b64 "${PW[mona]}")" -- \
    "${SW[@]}" --server $V4 --port 587 --auth LOGIN --auth-user mona --auth-password "${PW[mona]}" \
    --from mona@example.test --body 'Hello Bob, STARTTLS was offered and ignored.'
meta smtp-auth-login-starttls-ignored SMTP 4 587 swaks LOGIN mona "${PW[mona]}" ok cleartext 'server advertises 250-STARTTLS, client never sends it and authenticates in the clear'

# ================================================================ group 3
# NTLM: Dovecot -> Samba ntlm_auth -> winbindd (see the Samba section); curl
# sends the domain given as MAIL\user and the fixed workstation WORKSTATION.
capture imap-authenticate-ntlm 143 ok --has 'AUTHENTICATE NTLM TlRMTVNTUAAB' --has 'TlRMTVNTUAAD' \
    --has 'A002 OK Logged in' -- \
    "${CURL[@]}" --login-options AUTH=NTLM -u "MAIL\\nora:${PW[nora]}" imap://$V4/INBOX
meta imap-authenticate-ntlm IMAP 4 143 curl NTLM nora "${PW[nora]}" ok challenge-response 'SASL-IR: type-1 message on the AUTHENTICATE line, "+ " type-2 challenge, type-3 with NTLMv2 response, domain MAIL, user nora, workstation WORKSTATION (OEM strings); Dovecot logs nora@mail; then LIST, LOGOUT'
capture smtp-auth-ntlm 587 ok --has $'AUTH NTLM\r\n' --has 'TlRMTVNTUAAB' --has 'TlRMTVNTUAAD' --has '235 2.7.0' \
    --has '250 2.0.0 Ok: queued' -- \
    "${CURL[@]}" --login-options AUTH=NTLM -u "MAIL\\xavier:${PW[xavier]}" --mail-from xavier@example.test \
    --mail-rcpt "$TO" -T "$WORK/msg/smtp-ntlm.eml" smtp://$V4:587/client.example.test
meta smtp-auth-ntlm SMTP 4 587 curl NTLM xavier "${PW[xavier]}" ok challenge-response '"AUTH NTLM" without initial response, "334 ", type-1, "334 " type-2 challenge, type-3 with NTLMv2 response, domain MAIL, user xavier, workstation WORKSTATION (OEM strings); Postfix logs sasl_username=xavier@mail; message sent'
capture imap-authenticate-scram 143 ok --has "a1 AUTHENTICATE SCRAM-SHA-256 $(b64 'n,,n=pablo,r=bWFpbHRhcC1zY3JhbS1ub25jZQ')" \
    --has 'a1 OK' --lacks "${PW[pablo]}" -- \
    "${IMAPRAW[@]}" $V4 143 scram-sha-256 pablo "${PW[pablo]}"
meta imap-authenticate-scram IMAP 4 143 'own script (imap_raw.py)' SCRAM-SHA-256 pablo "${PW[pablo]}" ok identity 'SASL-IR: base64("n,,n=pablo,r=<fixed client nonce>"); "+ " server-first (r=,s=,i=4096), client-final with proof p=, "+ " server-final v= answered with an empty line; then SELECT INBOX, LOGOUT'
capture pop3-auth-cancel 110 ok --has $'AUTH PLAIN\r\n' --has $'\r\n*\r\n' --has '-ERR Authentication aborted by client.' \
    --has 'USER quentin' --has "PASS ${PW[quentin]}" --has '+OK Logged in.' -- \
    "$PY" "$CLIENTS/pop3_raw.py" $V4 110 auth-cancel quentin "${PW[quentin]}"
meta pop3-auth-cancel POP3 4 110 'own script (pop3_raw.py)' USER/PASS quentin "${PW[quentin]}" ok cleartext '"AUTH PLAIN" without initial response, "+ ", client cancels with "*", "-ERR Authentication aborted by client."; then USER/PASS, STAT, QUIT'
capture imap-login-atom 143 ok --has 'RUBY0001 LOGIN rosa Rosa-Atom-20' --has 'RUBY0001 OK' -- \
    ruby "$CLIENTS/net_imap_session.rb" $V4 143 rosa "${PW[rosa]}"
meta imap-login-atom IMAP 4 143 'Ruby Net::IMAP' LOGIN rosa "${PW[rosa]}" ok cleartext 'both LOGIN arguments as bare atoms: RUBY0001 LOGIN rosa Rosa-Atom-20; Net::IMAP writes every token separately, so the command arrives in several small segments; SELECT INBOX, LOGOUT'
capture imap-authenticate-plain-fail 143 ok --has $'AUTHENTICATE PLAIN\r\n' --has "$(plain_b64 sam 'Not-Sam-Pass')" \
    --has 'NO [AUTHENTICATIONFAILED]' -- \
    "${IMAPLIB[@]}" $V4 143 auth-plain sam 'Not-Sam-Pass' --expect fail
meta imap-authenticate-plain-fail IMAP 4 143 imaplib PLAIN sam 'Not-Sam-Pass' fail cleartext "wrong password (real one: ${PW[sam]}); no SASL-IR: \"AUTHENTICATE PLAIN\", \"+ \", base64 line, NO [AUTHENTICATIONFAILED], then LOGOUT"
swaks_fixed 'AUTH PLAIN with a wrong password' swaks-plain-fail 17
capture smtp-auth-plain-fail 587 fail --has "AUTH PLAIN $(plain_b64 tina 'Not-Tina-Pass')" --has '535 5.7.8' -- \
    "${SW[@]}" --server $V4 --port 587 --auth PLAIN --auth-user tina --auth-password 'Not-Tina-Pass' \
    --from tina@example.test
meta smtp-auth-plain-fail SMTP 4 587 swaks PLAIN tina 'Not-Tina-Pass' fail cleartext "wrong password (real one: ${PW[tina]}); initial response on the AUTH line; 535 5.7.8, then QUIT"
capture imap-pipelined-login 143 ok \
    --one-segment $'a1 CAPABILITY\r\na2 LOGIN uma Uma-Pipeline-23\r\na3 SELECT INBOX\r\na4 LOGOUT\r\n' \
    --has 'a2 OK Logged in' --has 'a3 OK' --has 'a4 OK' -- \
    "${IMAPRAW[@]}" $V4 143 pipelined uma "${PW[uma]}"
meta imap-pipelined-login IMAP 4 143 'own script (imap_raw.py)' LOGIN uma "${PW[uma]}" ok cleartext 'after the greeting ONE segment holds a1 CAPABILITY / a2 LOGIN uma Uma-Pipeline-23 (atoms) / a3 SELECT INBOX / a4 LOGOUT; the answers follow in several segments'
capture pop3-pipelined 110 ok --one-segment $'USER vera\r\nPASS Vera-Pipeline-24\r\nSTAT\r\nQUIT\r\n' \
    --has '+OK Logged in.' -- \
    "$PY" "$CLIENTS/pop3_raw.py" $V4 110 pipelined vera "${PW[vera]}"
meta pop3-pipelined POP3 4 110 'own script (pop3_raw.py)' USER/PASS vera "${PW[vera]}" ok cleartext 'after the greeting ONE segment holds USER vera / PASS Vera-Pipeline-24 / STAT / QUIT (RFC 2449 PIPELINING); four answers'
capture imap-authenticate-external 143 fail --has 'A002 AUTHENTICATE EXTERNAL d2VuZHk=' --has 'A002 NO [AUTHENTICATIONFAILED]' -- \
    "${CURL[@]}" --login-options AUTH=EXTERNAL -u 'wendy:' imap://$V4/INBOX
meta imap-authenticate-external IMAP 4 143 curl EXTERNAL wendy - fail identity 'SASL-IR: base64("wendy") is only an authorization identity, no password; on a cleartext connection there is no client certificate, so Dovecot answers NO [AUTHENTICATIONFAILED] ("username not known" in its log); curl closes without LOGOUT; reported as user wendy, failure'

# ---------------------------------------------------------------- publish
if ((${#ONLY[@]} == 0)); then
    rm -f "$CAPDIR"/*.pcap
    cp "$OUT/expected.tsv" "$CAPDIR/expected.tsv"
fi
shopt -s nullglob
made=("$OUT"/*.pcap)
if ((${#made[@]} == 0)) && [[ -n ${MAILTAP_HOLD:-} ]]; then
    log "hold finished, nothing captured"; exit 0
fi
((${#made[@]})) || die "no capture was made"
chmod 644 "${made[@]}"
mv -f "${made[@]}" "$CAPDIR/"
log "done: ${#made[@]} capture(s) written to $CAPDIR"
