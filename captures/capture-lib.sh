# capture-lib.sh - the test bed of mailtap's reference captures, sourced by
# make-captures.sh (and scripts/make-tls-bulk.sh): installs what is missing,
# makes the network namespace, the certificate, the users and mailboxes,
# starts Samba's winbindd, Dovecot and Postfix in the namespace, and defines
# capture() and meta() for the scenarios.  Cleans all of it up on exit.
#
# The sourcing script sets before sourcing:
#   ME        name for messages (e.g. make-captures)
#   KEEP      1 = keep the temp dir on exit
#   ONLY      array: the scenario names to make (empty = all)
# and may set:
#   MAILTAP_NS       the network namespace's name (default mailtap-cap)
#   TCPDUMP_BUFFER   tcpdump's buffer in KiB (-B), for long sessions
#   CLIENT_TIMEOUT   seconds a client may take (default 90)
# See README.md beside this file.

CAPDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLIENTS=$CAPDIR/clients
MSGS=$CAPDIR/messages
NS=${MAILTAP_NS:-mailtap-cap}
PY=/usr/bin/python3

die() { echo "$ME: ERROR: $*" >&2; exit 1; }
log() { echo "$ME: $*" >&2; }

[[ $(id -u) == 0 ]] || die "must run as root"

# ---------------------------------------------------------------- packages
PKGS=(dovecot-core dovecot-imapd dovecot-pop3d postfix swaks curl tcpdump
      openssl iproute2 ethtool python3 libnet-ssleay-perl
      libio-socket-ssl-perl libauthen-sasl-perl procps
      winbind samba-common-bin libnss-wrapper ruby tshark)
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
         winbindd wbinfo ntlm_auth smbpasswd ruby tshark editcap; do
    command -v "$c" >/dev/null || die "$c not found after install"
done
[[ -x $PY ]] || die "$PY missing"

# ---------------------------------------------------------------- state
WORK=$(mktemp -d "/tmp/$NS.XXXXXX")
chmod 755 "$WORK"
OUT=$WORK/out
mkdir -p "$OUT" "$WORK/log" "$WORK/run" "$WORK/tls" "$WORK/state" "$WORK/mail" "$WORK/msg"
TCPDUMP_PID=

nsx() { ip netns exec "$NS" "$@"; }

cleanup() {
    local rc=$?
    set +e
    # the servers of ext-scenarios.sh, if it started any
    declare -F ext_cleanup >/dev/null && ext_cleanup
    # and those of report-scenarios.sh
    declare -F report_cleanup >/dev/null && report_cleanup
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
        echo "$ME: FAILED (exit $rc); logs:" >&2
        tail -n 30 "$WORK"/log/*.log >&2 2>/dev/null
    fi
    if ((KEEP)); then echo "$ME: kept $WORK" >&2; else rm -rf "$WORK"; fi
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
  # ext-scenarios.sh (second Dovecot instance, see there)
  [wanda]='Wanda-Deflate-25'
  [ximena]='Ximena-Sieve-26'
  [yusuf]='Yusuf-Literal-27'
  [zara]='Zara-Real-28'
  [abel]='Abel-Script-29'
  [bianca]='Bianca-Port-30'
  [cedric]='Cedric-Connect-31'
  [dora]='Dora-Sieve-Login-32'
  [emil]='Emil-Sieve-Scram-33'
  [fiona]='Fiona-Burst-34'
  [gus]='Gus-Thunderbird-35'
  [hugo]='Hugo-Relay-36'
  [lars]='Lars-LMTP-40'
  [milo]='Milo-LMTP-41'
  [nadia]='Nadia-Krb5-42'
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
for f in smtp-submit.eml imap-append-decoy.eml smtp-bdat.eml smtp-ntlm.eml smtps-curl.eml; do
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
# a server-side session cache (tlsmgr), so that TLS 1.2 sessions can also be
# resumed by session id, not only with a session ticket
smtpd_tls_session_cache_database = btree:$WORK/postfix-data/smtpd_scache
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
    # clients can be tried by hand with 'ip netns exec $NS ...'
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
    for n in "${ONLY[@]}"; do [[ $n == "$1" || $n == "$1.pcap" || $n == "$1.pcapng" ]] && return 0; done
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
    ip netns exec "$NS" tcpdump -i lo -nn -U -Z root -s 0 ${TCPDUMP_BUFFER:+-B "$TCPDUMP_BUFFER"} \
        -w "$file" "tcp port $port" 2>"$err" &
    TCPDUMP_PID=$!
    local i
    for i in $(seq 100); do grep -q 'listening on' "$err" && break; sleep 0.1; done
    grep -q 'listening on' "$err" || die "tcpdump for $name not ready: $(cat "$err")"
    sleep 0.2
    local rc=0
    nsx timeout "${CLIENT_TIMEOUT:-90}" "$@" >"$clog" 2>&1 || rc=$?
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
#   one line of expected.tsv (see README.md); the file is NAME.pcap unless
#   NAME ends in .pcapng
printf 'file\tprotocol\tip\tport\tclient\tmechanism\tuser\tpassword\tresult\texposure\tnote\n' > "$OUT/expected.tsv"
meta() {
    local IFS=$'\t' file=$1
    [[ $file == *.pcapng ]] || file=$file.pcap
    printf '%s\n' "$file	${*:2}" >> "$OUT/expected.tsv"
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
