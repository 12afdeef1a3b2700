# report-scenarios.sh - the captures for mailtap's audit report (sourced by
# make-captures.sh, after ext-scenarios.sh): many clients at once against the
# main servers; servers that refuse logins before TLS (Dovecot with
# disable_plaintext_auth = yes, Postfix with smtpd_tls_auth_only = yes);
# STARTTLS answered by the server but not done by the client; HTML in a user
# name; TLS 1.0 and 1.1; an expired, a self-signed and a CA-signed server
# certificate (TLS 1.2, so the Certificate message is in the clear).
#
# The main Dovecot and Postfix (127.0.0.1 / ::1) serve report-many-clients,
# the STARTTLS-without-TLS and HTML captures; the other servers are instances
# of their own, on addresses of their own, so that nothing changes for the
# older captures:
#   127.0.0.5  Dovecot "mailtap-strict" (IMAP 143, POP3 110,
#              disable_plaintext_auth = yes) and Postfix "strict"
#              (submission 587, smtpd_tls_auth_only = yes)
#   127.0.0.6  Dovecot "mailtap-oldtls" (IMAPS 993, ssl_min_protocol = TLSv1,
#              ssl_cipher_list = ALL:@SECLEVEL=0)
#   127.0.0.7  Dovecot "mailtap-expired"    (IMAPS 993, expired CA-signed cert)
#   127.0.0.8  Dovecot "mailtap-selfsigned" (IMAPS 993, self-signed RSA cert)
#   127.0.0.9  Dovecot "mailtap-casigned"   (IMAPS 993, valid CA-signed cert)
# All of them share the main passwd-file (the accounts below are appended to
# it) and mailboxes.  Only started when one of these scenarios is wanted.
# See README.md ("Captures for the audit report").

REPORT_NAMES=(report-many-clients imap-logindisabled pop3-user-refused-clear
              smtp-auth-after-starttls-only-keylog smtp-starttls-no-tls
              imap-starttls-no-tls imap-login-html-user pop3-user-html-user
              imaps-tls10-keylog imaps-tls11-keylog
              imaps-tls12-cert-expired-keylog imaps-tls12-cert-self-signed-keylog
              imaps-tls12-cert-ca-signed-keylog)
report_wanted() {
    local n
    for n in "${REPORT_NAMES[@]}"; do want "$n" && return 0; done
    return 1
}
RP_STRICT=127.0.0.5
RP_OLD=127.0.0.6
RP_EXPIRED=127.0.0.7
RP_SELF=127.0.0.8
RP_CA=127.0.0.9
RP_DOVECOTS=(strict oldtls expired selfsigned casigned)
report_cleanup() {
    local d
    for d in "${RP_DOVECOTS[@]}"; do
        [[ -f $WORK/dovecot-$d/dovecot.conf ]] && nsx dovecot -c "$WORK/dovecot-$d/dovecot.conf" stop >/dev/null 2>&1
    done
    [[ -f $WORK/postfix-strict/main.cf ]] && nsx postfix -c "$WORK/postfix-strict" stop >/dev/null 2>&1
    return 0
}

# The accounts of these captures (added to the passwd-file of capture-lib.sh)
PW+=(
  [ada]='Ada-Report-50'            # report-many-clients: IMAP v4, fails once
  [basil]='Basil-Report-v6-51'     # report-many-clients: IMAP v6
  [cora]='Cora-Report-52'          # report-many-clients: POP3, fails once
  [dmitri]='Dmitri-Report-53'      # report-many-clients: SMTP 587, fails once
  [elena]='Elena-STARTTLS-hidden-54'  # report-many-clients: IMAP STARTTLS
  [fabio]='Fabio-IMAPS-hidden-55'  # report-many-clients: IMAPS 993
  [hana]='Hana-Refused-56'         # imap-logindisabled
  [ilse]='Ilse-Refused-57'         # pop3-user-refused-clear
  [jonas]='Jonas-AuthOnly-58'      # smtp-auth-after-starttls-only-keylog
  [kuno]='Kuno-StripTLS-59'        # smtp-starttls-no-tls
  [lena]='Lena-StripTLS-60'        # imap-starttls-no-tls
  [mateo]='Mateo-TLS10-63'         # imaps-tls10-keylog
  [noor]='Noor-TLS11-64'           # imaps-tls11-keylog
  [omar]='Omar-Expired-65'         # imaps-tls12-cert-expired-keylog
  [pia]='Pia-SelfSigned-66'        # imaps-tls12-cert-self-signed-keylog
  [ravi]='Ravi-CASigned-67'        # imaps-tls12-cert-ca-signed-keylog
)
RP_USERS=(ada basil cora dmitri elena fabio hana ilse jonas kuno lena mateo noor omar pia ravi)
HTML_IMAP_USER='<img src=x onerror=alert(1)>'
HTML_IMAP_PASS='Html-User-61'
HTML_POP3_USER='<script>alert(1)</script>'
HTML_POP3_PASS='Script-User-62'
# validity of the expired certificate
EXPIRED_FROM=20200101000000Z
EXPIRED_UNTIL=20210101000000Z

if report_wanted; then

# ---------------------------------------------------------------- accounts
# Dovecot's passwd-file driver re-reads the file when it changes.
for u in "${RP_USERS[@]}"; do
    printf '%s:{PLAIN}%s\n' "$u" "${PW[$u]}" >> "$WORK/users"
    seed "$u" "$MSGS/welcome.eml" 1
done
chown -R 65534:65534 "$WORK/mail"
mkdir -p "$WORK/report"
for u in ada basil cora dmitri elena fabio; do printf '%s\t%s\n' "$u" "${PW[$u]}"; done > "$WORK/report/accounts.tsv"

# ---------------------------------------------------------------- certificates
# A test CA (self-signed root, not sent by the servers), a leaf for
# mail.example.test that expired in 2021 (openssl ca -startdate/-enddate),
# a valid leaf from the same CA, and a self-signed RSA certificate.
RC=$WORK/report/ca
mkdir -p "$RC/new"
: > "$RC/index.txt"
echo 1000 > "$RC/serial"
cat > "$RC/ca.cnf" <<EOF
[ca]
default_ca = mailtap
[mailtap]
dir = $RC
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir/new
certificate = \$dir/ca.pem
private_key = \$dir/ca.key
default_md = sha256
default_days = 3650
policy = anything
copy_extensions = copy
unique_subject = no
email_in_dn = no
[anything]
organizationName = optional
commonName = supplied
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/O=Mailtap Test CA/CN=Mailtap Test Root CA" -days 7300 \
    -keyout "$RC/ca.key" -out "$RC/ca.pem" 2>/dev/null
rp_leaf() {  # rp_leaf NAME OPENSSL-CA-ARGS...
    local n=$1
    shift
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -subj "/O=Mailtap/CN=mail.example.test" \
        -addext "subjectAltName=DNS:mail.example.test,IP:127.0.0.1,IP:::1" \
        -keyout "$RC/$n.key" -out "$RC/$n.csr" 2>/dev/null
    openssl ca -batch -config "$RC/ca.cnf" -extensions leaf -notext "$@" \
        -in "$RC/$n.csr" -out "$RC/$n.pem" >>"$WORK/log/openssl-ca.log" 2>&1 \
        || { cat "$WORK/log/openssl-ca.log" >&2; die "openssl ca ($n) failed"; }
}
rp_leaf expired -startdate $EXPIRED_FROM -enddate $EXPIRED_UNTIL
rp_leaf casigned -days 3650
openssl req -x509 -newkey rsa:2048 -nodes -subj "/O=Mailtap Self-Signed/CN=mail.example.test" \
    -addext "subjectAltName=DNS:mail.example.test,IP:127.0.0.1,IP:::1" -days 3650 \
    -keyout "$RC/selfsigned.key" -out "$RC/selfsigned.pem" 2>/dev/null
chmod 644 "$RC"/*.key "$RC"/*.pem
log "test bed certificate: $(openssl x509 -in "$WORK/tls/cert.pem" -noout -subject -issuer | tr '\n' ' ')"

# ---------------------------------------------------------------- Dovecot instances
# rp_dovecot NAME ADDRESS CERT KEY SERVICES [SETTING...]
rp_dovecot() {
    local name=$1 addr=$2 cert=$3 key=$4 services=$5
    shift 5
    local d=$WORK/dovecot-$name
    mkdir -p "$d" "$WORK/run/dovecot-$name" "$WORK/state-$name"
    {
        echo "# generated by make-captures.sh (report-scenarios.sh)"
        echo "protocols = imap pop3"
        echo "listen = $addr"
        echo "base_dir = $WORK/run/dovecot-$name"
        echo "state_dir = $WORK/state-$name"
        echo "instance_name = mailtap-$name"
        echo "log_path = $WORK/log/dovecot-$name.log"
        echo "info_log_path = $WORK/log/dovecot-$name.log"
        echo "auth_verbose = yes"
        echo "ssl = yes"
        echo "ssl_cert = <$cert"
        echo "ssl_key = <$key"
        echo "auth_mechanisms = plain login"
        printf '%s\n' "$@"
        cat <<EOF
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
EOF
        printf '%s\n' "$services"
    } > "$d/dovecot.conf"
    nsx unshare --uts sh -c 'hostname mail.example.test && exec dovecot -c "$1"' sh "$d/dovecot.conf"
}
IMAPS_ONLY='service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    port = 993
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
  inet_listener pop3s {
    port = 0
  }
}'
rp_dovecot strict $RP_STRICT "$WORK/tls/cert.pem" "$WORK/tls/key.pem" 'service imap-login {
  inet_listener imap {
    port = 143
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 110
  }
  inet_listener pop3s {
    port = 0
  }
}' 'disable_plaintext_auth = yes'
rp_dovecot oldtls $RP_OLD "$WORK/tls/cert.pem" "$WORK/tls/key.pem" "$IMAPS_ONLY" \
    'disable_plaintext_auth = no' 'ssl_min_protocol = TLSv1' 'ssl_cipher_list = ALL:@SECLEVEL=0'
rp_dovecot expired $RP_EXPIRED "$RC/expired.pem" "$RC/expired.key" "$IMAPS_ONLY" 'disable_plaintext_auth = no'
rp_dovecot selfsigned $RP_SELF "$RC/selfsigned.pem" "$RC/selfsigned.key" "$IMAPS_ONLY" 'disable_plaintext_auth = no'
rp_dovecot casigned $RP_CA "$RC/casigned.pem" "$RC/casigned.key" "$IMAPS_ONLY" 'disable_plaintext_auth = no'

# ---------------------------------------------------------------- Postfix "strict"
# As the main instance's submission service, but smtpd_tls_auth_only = yes:
# AUTH is only offered (and accepted) after STARTTLS.  SASL through the
# main Dovecot's auth socket.  master.cf binds 127.0.0.5:587 itself.
PS=$WORK/postfix-strict
mkdir -p "$PS" "$WORK/postfix-strict-spool" "$WORK/postfix-strict-data"
chown postfix "$WORK/postfix-strict-data"
sed -e "s|^queue_directory = .*|queue_directory = $WORK/postfix-strict-spool|" \
    -e "s|^data_directory = .*|data_directory = $WORK/postfix-strict-data|" \
    -e "s|^maillog_file = .*|maillog_file = $WORK/log/postfix-strict.log|" \
    -e "s|^inet_protocols = .*|inet_protocols = ipv4|" \
    -e "s|^smtpd_tls_auth_only = .*|smtpd_tls_auth_only = yes|" \
    -e "/^smtpd_tls_session_cache_database/d" \
    "$PF/main.cf" > "$PS/main.cf"
echo "syslog_name = postfix-strict" >> "$PS/main.cf"
grep -q '^smtpd_tls_auth_only = yes$' "$PS/main.cf" || die "strict main.cf"
{
    echo "$RP_STRICT:587 inet  n       -       n       -       -       smtpd"
    echo "  -o syslog_name=postfix-strict/submission"
    echo "  -o smtpd_sasl_auth_enable=yes"
    awk '$2 == "inet" { skip = 1; next } skip && /^[ \t]/ { next } { skip = 0; print }' "$PF/master.cf"
} > "$PS/master.cf"
nsx postfix -c "$PS" check
nsx postfix -c "$PS" start >/dev/null 2>&1 || { cat "$WORK/log/postfix-strict.log" >&2; die "postfix (strict) did not start"; }

wait_port $RP_STRICT 143; wait_port $RP_STRICT 110; wait_port $RP_STRICT 587
for a in $RP_OLD $RP_EXPIRED $RP_SELF $RP_CA; do wait_port $a 993; done
sleep 1
if [[ -n ${MAILTAP_REPORT_HOLD:-} ]]; then
    log "report servers up in namespace $NS, work dir $WORK; holding ${MAILTAP_REPORT_HOLD}s"
    sleep "$MAILTAP_REPORT_HOLD" & wait $!
fi

fi  # report_wanted

DIALOGUE=("$PY" "$CLIENTS/dialogue.py")
OLD=(-cipher 'DEFAULT:@SECLEVEL=0')

# ================================================================ many clients at once
# 7 connections, 6 accounts, recorded together (see many_clients.py).
capture_ext report-many-clients 'tcp port 143 or tcp port 993 or tcp port 110 or tcp port 587' ok \
    --conns 7 --allow-rst \
    --has 'LOGIN ada "Not-Ada-Pass"' --has 'LOGIN ada "Ada-Report-50"' --has 'LOGIN basil "Basil-Report-v6-51"' \
    --has 'PASS Not-Cora-Pass' --has 'PASS Cora-Report-52' --count 'USER cora' 2 \
    --has "AUTH PLAIN $(plain_b64 dmitri Not-Dmitri-Pass)" --has "AUTH PLAIN $(plain_b64 dmitri "${PW[dmitri]}")" \
    --count 'NO [AUTHENTICATIONFAILED]' 1 --count '-ERR [AUTH] Authentication failed.' 1 \
    --count '535 5.7.8' 1 --count '235 2.7.0' 1 --count '+OK Logged in.' 1 --count 'OK Begin TLS negotiation now.' 1 \
    --count '250-STARTTLS' 1 --count $'STLS\r\n' 2 --has '250 2.0.0 Ok: queued' \
    --lacks elena --lacks "${PW[elena]}" --lacks fabio --lacks "${PW[fabio]}" -- \
    "$PY" "$CLIENTS/many_clients.py" "$WORK/report/accounts.tsv"
meta report-many-clients IMAP 4 143 'imaplib, poplib, smtplib (many_clients.py)' LOGIN ada "${PW[ada]}" ok cleartext '7 TCP connections recorded together, started at once (6 client threads released by a barrier) against the main Dovecot and Postfix: IMAP 127.0.0.1:143 ada (LOGIN Not-Ada-Pass -> NO, LOGIN Ada-Report-50 -> OK, same connection), IMAP [::1]:143 basil (LOGIN ok), POP3 127.0.0.1:110 cora (CAPA with STLS, USER/PASS Not-Cora-Pass -> -ERR, QUIT; second connection CAPA, USER/PASS Cora-Report-52 -> +OK), SMTP 127.0.0.1:587 dmitri (AUTH PLAIN wrong -> 535, AUTH PLAIN right -> 235, message, same connection), IMAP 127.0.0.1:143 elena (STARTTLS, TLS 1.3, LOGIN inside: nothing visible), IMAPS 127.0.0.1:993 fabio (nothing visible); STARTTLS/STLS offered to every cleartext one; this row is ada'"'"'s success: all 7 cleartext credentials are in report-many-clients.creds.tsv'
if want report-many-clients; then
    {
        printf 'file\tprotocol\tip\tport\tclient\tmechanism\tuser\tpassword\tresult\texposure\tnote\n'
        f=report-many-clients.pcap
        printf '%s\tIMAP\t4\t143\timaplib\tLOGIN\tada\tNot-Ada-Pass\tfail\tcleartext\twrong password (real one: %s); NO [AUTHENTICATIONFAILED]; then the right one in the same connection\n' $f "${PW[ada]}"
        printf '%s\tIMAP\t4\t143\timaplib\tLOGIN\tada\t%s\tok\tcleartext\tsecond LOGIN of the connection, after the failed one; SELECT INBOX, LOGOUT\n' $f "${PW[ada]}"
        printf '%s\tIMAP\t6\t143\timaplib\tLOGIN\tbasil\t%s\tok\tcleartext\tover ::1; SELECT INBOX, LOGOUT\n' $f "${PW[basil]}"
        printf '%s\tPOP3\t4\t110\tpoplib\tUSER/PASS\tcora\tNot-Cora-Pass\tfail\tcleartext\twrong password (real one: %s); -ERR [AUTH] Authentication failed., QUIT\n' $f "${PW[cora]}"
        printf '%s\tPOP3\t4\t110\tpoplib\tUSER/PASS\tcora\t%s\tok\tcleartext\tsecond POP3 connection, after the failed one; STAT, QUIT\n' $f "${PW[cora]}"
        printf '%s\tSMTP\t4\t587\tsmtplib\tPLAIN\tdmitri\tNot-Dmitri-Pass\tfail\tcleartext\twrong password (real one: %s); AUTH PLAIN with initial response, 535 5.7.8; then the right one in the same connection\n' $f "${PW[dmitri]}"
        printf '%s\tSMTP\t4\t587\tsmtplib\tPLAIN\tdmitri\t%s\tok\tcleartext\tsecond AUTH PLAIN of the connection, 235 2.7.0; message sent; STARTTLS offered, not used\n' $f "${PW[dmitri]}"
    } > "$OUT/report-many-clients.creds.tsv"
fi

# ================================================================ logins refused before TLS
capture imap-logindisabled 143 ok --has 'STARTTLS LOGINDISABLED' --lacks 'AUTH=' \
    --has "a2 LOGIN hana \"${PW[hana]}\"" --has 'a2 NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.' \
    --has 'a3 OK Logout completed.' -- \
    "${DIALOGUE[@]}" $RP_STRICT 143 -e '^\* OK .*?\r\n' -s 'a1 CAPABILITY' -e '^a1 OK .*?\r\n' \
    -s "a2 LOGIN hana \"${PW[hana]}\"" -e '^a2 NO \[PRIVACYREQUIRED\].*?\r\n' -s 'a3 LOGOUT' -e '^a3 OK .*?\r\n' --eof
meta imap-logindisabled IMAP 4 143 'own script (dialogue.py)' LOGIN hana "${PW[hana]}" fail cleartext 'Dovecot with disable_plaintext_auth = yes (127.0.0.5): greeting and CAPABILITY list STARTTLS LOGINDISABLED and no AUTH=; the client sends a2 LOGIN hana "Hana-Refused-56" (the right password) in the clear anyway: Dovecot answers * BAD [ALERT] Plaintext authentication not allowed without SSL/TLS, but your client did it anyway. If anyone was listening, the password was exposed. and a2 NO [PRIVACYREQUIRED] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.; a3 LOGOUT. The password was exposed although the login was refused'
capture pop3-user-refused-clear 110 ok --has 'USER ilse' --has "PASS ${PW[ilse]}" \
    --has '-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.' -- \
    "${DIALOGUE[@]}" $RP_STRICT 110 -e '^\+OK .*?\r\n' -s 'CAPA' -e '^\.\r\n' -s 'USER ilse' -e '^-ERR .*?\r\n' \
    -s "PASS ${PW[ilse]}" -e '^-ERR .*?\r\n' -s 'QUIT' -e '^\+OK .*?\r\n' --eof
meta pop3-user-refused-clear POP3 4 110 'own script (dialogue.py)' USER/PASS ilse "${PW[ilse]}" fail cleartext 'Dovecot with disable_plaintext_auth = yes (127.0.0.5): greeting without APOP timestamp; CAPA lists STLS and an empty SASL line but no USER; USER ilse -> -ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.; the client sends PASS Ilse-Refused-57 (the right password) anyway -> the same -ERR line again; QUIT. The password was exposed although the login was refused'
tls_capture smtp-auth-after-starttls-only-keylog 587 ok --has '250-STARTTLS' --lacks 'AUTH' \
    --has '220 2.0.0 Ready to start TLS' --lacks "${PW[jonas]}" \
    --version 1.3 --decrypted '250-AUTH PLAIN LOGIN' --decrypted "AUTH PLAIN $(plain_b64 jonas "${PW[jonas]}")" \
    --decrypted '235 2.7.0' -- \
    "${SCLIENT[@]}" $RP_STRICT 587 smtp plain jonas "${PW[jonas]}" --starttls --keylog @KEYS@
meta smtp-auth-after-starttls-only-keylog SMTP 4 587 'openssl s_client -starttls smtp' PLAIN jonas "${PW[jonas]}" ok tls-keylog 'Postfix with smtpd_tls_auth_only = yes (127.0.0.5): the EHLO answer in the clear has 250-STARTTLS and no AUTH; STARTTLS, 220 2.0.0 Ready to start TLS, TLS 1.3; inside: EHLO (now with 250-AUTH), AUTH PLAIN with initial response, 235 2.7.0, QUIT'

# ================================================================ STARTTLS answered, TLS not started
capture smtp-starttls-no-tls 587 ok --allow-rst --has '250-STARTTLS' --has '220 2.0.0 Ready to start TLS' \
    --has $'STARTTLS\r\nAUTH PLAIN' --has "AUTH PLAIN $(plain_b64 kuno "${PW[kuno]}")" --lacks '235 ' -- \
    "${DIALOGUE[@]}" $V4 587 -e '^220 .*?\r\n' -s 'EHLO client.example.test' -e '^250 .*?\r\n' \
    -s 'STARTTLS' -e '^220 .*?\r\n' -s "AUTH PLAIN $(plain_b64 kuno "${PW[kuno]}")" --eof
meta smtp-starttls-no-tls SMTP 4 587 'own script (dialogue.py)' PLAIN kuno "${PW[kuno]}" unknown cleartext 'EHLO (250-STARTTLS, 250-AUTH ...), STARTTLS, 220 2.0.0 Ready to start TLS, then NO TLS handshake: the client sends AUTH PLAIN <base64 of kuno / Kuno-StripTLS-59> in plaintext (a stripping / downgrade symptom); Postfix takes those bytes for a TLS record (wrong version number), the handshake fails and it resets the connection (a single RST, no FIN from either side) without an SMTP answer; the login never happened'
capture imap-starttls-no-tls 143 ok --allow-rst --has 'a1 OK Begin TLS negotiation now.' \
    --has "a2 LOGIN lena \"${PW[lena]}\"" --lacks 'a2 OK' -- \
    "${DIALOGUE[@]}" $V4 143 -e '^\* OK .*?\r\n' -s 'a1 STARTTLS' -e '^a1 OK .*?\r\n' \
    -s "a2 LOGIN lena \"${PW[lena]}\"" --eof
meta imap-starttls-no-tls IMAP 4 143 'own script (dialogue.py)' LOGIN lena "${PW[lena]}" unknown cleartext 'greeting ([CAPABILITY ... STARTTLS ...]), a1 STARTTLS, a1 OK Begin TLS negotiation now., then NO TLS handshake: the client sends a2 LOGIN lena "Lena-StripTLS-60" in plaintext; Dovecot takes it for a TLS record, the handshake fails and it closes the connection (FIN, then the client'"'"'s FIN) without an IMAP answer; the login never happened'

# ================================================================ HTML in user names
capture imap-login-html-user 143 ok --has "a1 LOGIN \"$HTML_IMAP_USER\" \"$HTML_IMAP_PASS\"" \
    --has 'a1 NO [AUTHENTICATIONFAILED]' -- \
    "${DIALOGUE[@]}" $V4 143 -e '^\* OK .*?\r\n' -s "a1 LOGIN \"$HTML_IMAP_USER\" \"$HTML_IMAP_PASS\"" \
    -e '^a1 NO .*?\r\n' -s 'a2 LOGOUT' -e '^a2 OK .*?\r\n' --eof
meta imap-login-html-user IMAP 4 143 'own script (dialogue.py)' LOGIN "$HTML_IMAP_USER" "$HTML_IMAP_PASS" fail cleartext 'a1 LOGIN "<img src=x onerror=alert(1)>" "Html-User-61" (quoted strings; no such user, and the name has characters outside Dovecot'"'"'s auth_username_chars): a1 NO [AUTHENTICATIONFAILED] Authentication failed.; a2 LOGOUT. For HTML escaping in reports'
capture pop3-user-html-user 110 ok --has "USER $HTML_POP3_USER" --has "PASS $HTML_POP3_PASS" \
    --has '-ERR [AUTH] Authentication failed.' -- \
    "${DIALOGUE[@]}" $V4 110 -e '^\+OK .*?\r\n' -s "USER $HTML_POP3_USER" -e '^\+OK.*?\r\n' \
    -s "PASS $HTML_POP3_PASS" -e '^-ERR .*?\r\n' -s 'QUIT' -e '^\+OK .*?\r\n' --eof
meta pop3-user-html-user POP3 4 110 'own script (dialogue.py)' USER/PASS "$HTML_POP3_USER" "$HTML_POP3_PASS" fail cleartext 'USER <script>alert(1)</script> (+OK), PASS Script-User-62, -ERR [AUTH] Authentication failed., QUIT. For HTML escaping in reports'

# ================================================================ TLS 1.0 and 1.1
tls_capture imaps-tls10-keylog 993 ok --lacks "${PW[mateo]}" --version 1.0 --cipher ECDHE-ECDSA-AES256-SHA \
    --decrypted "a1 LOGIN mateo \"${PW[mateo]}\"" --decrypted 'a1 OK' -- \
    "${SCLIENT[@]}" $RP_OLD 993 imap login mateo "${PW[mateo]}" --keylog @KEYS@ -- -tls1 "${OLD[@]}"
meta imaps-tls10-keylog IMAP 4 993 'openssl s_client -tls1' LOGIN mateo "${PW[mateo]}" ok tls-keylog 'Dovecot with ssl_min_protocol = TLSv1 and ssl_cipher_list = ALL:@SECLEVEL=0 (127.0.0.6); implicit TLS 1.0 (ServerHello version 0x0301), ECDHE-ECDSA-AES256-SHA (AES-256-CBC, HMAC-SHA1); s_client -tls1 -cipher DEFAULT:@SECLEVEL=0; inside: a1 LOGIN mateo "Mateo-TLS10-63", a2 SELECT INBOX, a4 LOGOUT'
tls_capture imaps-tls11-keylog 993 ok --lacks "${PW[noor]}" --version 1.1 --cipher ECDHE-ECDSA-AES256-SHA \
    --decrypted "a1 LOGIN noor \"${PW[noor]}\"" --decrypted 'a1 OK' -- \
    "${SCLIENT[@]}" $RP_OLD 993 imap login noor "${PW[noor]}" --keylog @KEYS@ -- -tls1_1 "${OLD[@]}"
meta imaps-tls11-keylog IMAP 4 993 'openssl s_client -tls1_1' LOGIN noor "${PW[noor]}" ok tls-keylog 'as imaps-tls10-keylog, TLS 1.1 (ServerHello version 0x0302), ECDHE-ECDSA-AES256-SHA; inside: a1 LOGIN noor "Noor-TLS11-64", a2 SELECT INBOX, a4 LOGOUT'

# ================================================================ certificates
# rp_certcheck NAME CERTCHECK-OPTION...: the certificate in NAME.pcap
rp_certcheck() {
    local name=$1
    shift
    want "$name" || return 0
    $PY "$CAPDIR/tools/certcheck.py" "$OUT/$name.pcap" "$@" >&2 || die "$name: certificate check failed"
}
tls_capture imaps-tls12-cert-expired-keylog 993 ok --lacks "${PW[omar]}" --version 1.2 \
    --cipher ECDHE-ECDSA-AES256-GCM-SHA384 --decrypted "a1 LOGIN omar \"${PW[omar]}\"" --decrypted 'a1 OK' -- \
    "${SCLIENT[@]}" $RP_EXPIRED 993 imap login omar "${PW[omar]}" --keylog @KEYS@ -- -tls1_2
rp_certcheck imaps-tls12-cert-expired-keylog --count 1 --subject 'CN=mail.example.test,O=Mailtap' \
    --issuer 'CN=Mailtap Test Root CA,O=Mailtap Test CA' --not-before 'Jan  1 00:00:00 2020 GMT' \
    --not-after 'Jan  1 00:00:00 2021 GMT' --ca-signed --expired-at "$(date +%s)"
meta imaps-tls12-cert-expired-keylog IMAP 4 993 'openssl s_client -tls1_2' LOGIN omar "${PW[omar]}" ok tls-keylog 'Dovecot on 127.0.0.7 whose certificate EXPIRED: subject O=Mailtap, CN=mail.example.test, issuer O=Mailtap Test CA, CN=Mailtap Test Root CA (a test CA, not sent), notBefore Jan 1 00:00:00 2020 GMT, notAfter Jan 1 00:00:00 2021 GMT (ECDSA P-256); implicit TLS 1.2 ECDHE-ECDSA-AES256-GCM-SHA384, Certificate message in the clear (one certificate); s_client does not verify and goes on; inside: a1 LOGIN omar "Omar-Expired-65", SELECT, LOGOUT'
tls_capture imaps-tls12-cert-self-signed-keylog 993 ok --lacks "${PW[pia]}" --version 1.2 \
    --cipher ECDHE-RSA-AES256-GCM-SHA384 --decrypted "a1 LOGIN pia \"${PW[pia]}\"" --decrypted 'a1 OK' -- \
    "${SCLIENT[@]}" $RP_SELF 993 imap login pia "${PW[pia]}" --keylog @KEYS@ -- -tls1_2
rp_certcheck imaps-tls12-cert-self-signed-keylog --count 1 --subject 'CN=mail.example.test,O=Mailtap Self-Signed' \
    --issuer 'CN=mail.example.test,O=Mailtap Self-Signed' --self-signed --valid-at "$(date +%s)"
meta imaps-tls12-cert-self-signed-keylog IMAP 4 993 'openssl s_client -tls1_2' LOGIN pia "${PW[pia]}" ok tls-keylog 'Dovecot on 127.0.0.8 with a SELF-SIGNED RSA-2048 certificate (subject = issuer = O=Mailtap Self-Signed, CN=mail.example.test, valid 10 years from the run); implicit TLS 1.2 ECDHE-RSA-AES256-GCM-SHA384, Certificate message in the clear (one certificate); inside: a1 LOGIN pia "Pia-SelfSigned-66", SELECT, LOGOUT'
tls_capture imaps-tls12-cert-ca-signed-keylog 993 ok --lacks "${PW[ravi]}" --version 1.2 \
    --cipher ECDHE-ECDSA-AES256-GCM-SHA384 --decrypted "a1 LOGIN ravi \"${PW[ravi]}\"" --decrypted 'a1 OK' -- \
    "${SCLIENT[@]}" $RP_CA 993 imap login ravi "${PW[ravi]}" --keylog @KEYS@ -- -tls1_2
rp_certcheck imaps-tls12-cert-ca-signed-keylog --count 1 --subject 'CN=mail.example.test,O=Mailtap' \
    --issuer 'CN=Mailtap Test Root CA,O=Mailtap Test CA' --ca-signed --valid-at "$(date +%s)"
meta imaps-tls12-cert-ca-signed-keylog IMAP 4 993 'openssl s_client -tls1_2' LOGIN ravi "${PW[ravi]}" ok tls-keylog 'Dovecot on 127.0.0.9 with a VALID CA-signed certificate (subject O=Mailtap, CN=mail.example.test, issuer O=Mailtap Test CA, CN=Mailtap Test Root CA, valid 10 years from the run; ECDSA P-256): neither expired nor self-signed (the control case; the CA itself is not sent and not trusted by anyone); implicit TLS 1.2 ECDHE-ECDSA-AES256-GCM-SHA384; inside: a1 LOGIN ravi "Ravi-CASigned-67", SELECT, LOGOUT'
