# tls-scenarios.sh - TLS mail sessions recorded together with the key logs
# their clients wrote; sourced by make-captures.sh after its cleartext
# scenarios (uses capture-lib.sh's capture, meta, want and variables).
#
# Every NAME.pcap comes with NAME.keys: the key log (SSLKEYLOGFILE format,
# draft-ietf-tls-keylogfile) that the client itself wrote for that one
# connection -- curl through the SSLKEYLOGFILE variable, Python through
# SSLContext.keylog_filename, openssl s_client through -keylogfile -- into
# a fresh file.  One session instead goes into NAME.pcapng with the key log
# in a Decryption Secrets Block (editcap --inject-secrets) and no .keys.
# Checks: tools/pcapcheck.py (one connection from SYN to FIN or RST, the
# password NOT in the cleartext, every key log line belongs to this
# connection's ClientHello) and tools/tlscheck.py (tshark decrypts the
# capture with the key log: version, cipher suite, encrypt_then_mac,
# resumption, KeyUpdate, and the login in the decrypted data).
# Users and passwords are the script's own (PW), so a decrypted login is
# one of the known ones.  See README.md, "TLS sessions with key logs".

SCLIENT=("$PY" "$CLIENTS/sclient_session.py")
TLSPY=(--keylog @KEYS@)

# tls_command NAME ARG...: ARGs with @KEYS@ made the key log's path and
# @SESS@ the session file's (for the resumptions), into the array CMD.
tls_command() {
    local name=$1 arg
    shift
    CMD=()
    for arg; do
        arg=${arg//@KEYS@/$OUT/$name.keys}
        CMD+=("${arg//@SESS@/$WORK/tls/$name.session}")
    done
}

# tls_capture NAME PORT EXPECT [OPTION]... -- COMMAND...
#   capture() of a TLS session whose client writes the key log @KEYS@.
#   OPTIONs: --has / --lacks TEXT in the cleartext (as for capture);
#   --decrypted TEXT in the data tshark decrypts; tlscheck.py's --version V,
#   --cipher NAME, --etm, --no-etm, --resumed, --full, --keyupdate.
tls_capture() {
    local name=$1 port=$2 expect=$3
    shift 3
    local clear=() tls=()
    while [[ $1 != -- ]]; do
        case $1 in
            --has|--lacks) clear+=("$1" "$2"); shift 2 ;;
            --decrypted) tls+=(--has "$2"); shift 2 ;;
            --version|--cipher) tls+=("$1" "$2"); shift 2 ;;
            *) tls+=("$1"); shift ;;
        esac
    done
    shift
    want "$name" || return 0
    rm -f "$OUT/$name.keys"
    tls_command "$name" "$@"
    capture "$name" "$port" "$expect" --allow-rst --keylog "$OUT/$name.keys" "${clear[@]}" -- "${CMD[@]}"
    $PY "$CAPDIR/tools/tlscheck.py" "$OUT/$name.pcap" --keylog "$OUT/$name.keys" "${tls[@]}" >&2 \
        || die "$name: tshark does not decrypt it as expected"
}

# tls_first NAME COMMAND...: the first connection of a resumption, before
# tcpdump runs (not recorded); its client saves the session to @SESS@.
tls_first() {
    want "$1" || return 0
    tls_command "$@"
    log "first connection for $1 (not recorded)"
    nsx timeout 60 "${CMD[@]}" >"$WORK/log/client-$1-first.log" 2>&1 \
        || { cat "$WORK/log/client-$1-first.log" >&2; die "$1: first connection failed"; }
    sleep 0.5
}

# tls_dsb NAME [TLSCHECK-OPTION]...: NAME.pcap and NAME.keys become
# NAME.pcapng with the key log in a Decryption Secrets Block; tshark must
# decrypt that without a key log file.
tls_dsb() {
    local name=$1
    shift
    want "$name" || return 0
    editcap --inject-secrets "tls,$OUT/$name.keys" "$OUT/$name.pcap" "$OUT/$name.pcapng"
    mv "$OUT/$name.pcap" "$OUT/$name.keys" "$WORK/log/"
    $PY "$CAPDIR/tools/tlscheck.py" "$OUT/$name.pcapng" "$@" >&2 \
        || die "$name.pcapng: tshark does not decrypt it with its secrets block"
}

SSLKEY=(env SSLKEYLOGFILE=@KEYS@)
TLSCURL=("${SSLKEY[@]}" "${CURL[@]}" --insecure)
S12=(-tls1_2 -cipher)

# ---------------------------------------------------------------- IMAP
tls_capture imaps-tls13-login-keylog 993 ok --lacks "${PW[alice]}" \
    --version 1.3 --cipher TLS_AES_256_GCM_SHA384 --full \
    --decrypted 'LOGIN alice "Wonderland-42"' --decrypted 'Logged in' -- \
    "${IMAPLIB[@]}" $V4 993 login alice "${PW[alice]}" --tls implicit "${TLSPY[@]}"
meta imaps-tls13-login-keylog IMAP 4 993 'imaplib (ssl keylog_filename)' LOGIN alice "${PW[alice]}" ok tls-keylog 'implicit TLS 1.3, TLS_AES_256_GCM_SHA384 (the client default); inside: CAPABILITY, LOGIN alice "Wonderland-42", SELECT INBOX, LOGOUT'
tls_capture imap-starttls-tls13-aes128gcm-plain-keylog 143 ok --has 'STARTTLS' --lacks "${PW[sybil]}" \
    --lacks "$(plain_b64 sybil "${PW[sybil]}")" --version 1.3 --cipher TLS_AES_128_GCM_SHA256 \
    --decrypted "AUTHENTICATE PLAIN $(plain_b64 sybil "${PW[sybil]}")" -- \
    "${TLSCURL[@]}" --ssl-reqd --tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256 \
    --login-options AUTH=PLAIN -u "sybil:${PW[sybil]}" imap://$V4/INBOX
meta imap-starttls-tls13-aes128gcm-plain-keylog IMAP 4 143 'curl (SSLKEYLOGFILE)' PLAIN sybil "${PW[sybil]}" ok tls-keylog 'CAPABILITY, STARTTLS in the clear; TLS 1.3 TLS_AES_128_GCM_SHA256; inside: CAPABILITY, AUTHENTICATE PLAIN with SASL-IR, LIST, LOGOUT'
tls_capture imap-starttls-tls12-cbc-sha1-etm-keylog 143 ok --has '. STARTTLS' --lacks "${PW[rosa]}" \
    --version 1.2 --cipher ECDHE-ECDSA-AES128-SHA --etm --decrypted 'a1 LOGIN rosa "Rosa-Atom-20"' \
    --decrypted 'a1 OK' -- \
    "${SCLIENT[@]}" $V4 143 imap login rosa "${PW[rosa]}" --starttls --keylog @KEYS@ -- "${S12[@]}" ECDHE-ECDSA-AES128-SHA
meta imap-starttls-tls12-cbc-sha1-etm-keylog IMAP 4 143 'openssl s_client -starttls imap' LOGIN rosa "${PW[rosa]}" ok tls-keylog 's_client sends ". CAPABILITY", ". STARTTLS"; TLS 1.2 ECDHE-ECDSA-AES128-SHA (AES-128-CBC, HMAC-SHA1) with encrypt_then_mac; inside: a1 LOGIN rosa "Rosa-Atom-20", a2 SELECT INBOX, a4 LOGOUT'
tls_capture imaps-tls12-cbc-sha384-noetm-cram-md5-keylog 993 ok --lacks "${PW[victor]}" \
    --version 1.2 --cipher ECDHE-ECDSA-AES256-SHA384 --no-etm --decrypted 'a1 AUTHENTICATE CRAM-MD5' \
    --decrypted 'a1 OK' -- \
    "${SCLIENT[@]}" $V4 993 imap cram-md5 victor "${PW[victor]}" --keylog @KEYS@ -- -no_etm "${S12[@]}" ECDHE-ECDSA-AES256-SHA384
meta imaps-tls12-cbc-sha384-noetm-cram-md5-keylog IMAP 4 993 'openssl s_client' CRAM-MD5 victor "${PW[victor]}" ok tls-keylog 'implicit TLS 1.2 ECDHE-ECDSA-AES256-SHA384 (AES-256-CBC, HMAC-SHA384), no encrypt_then_mac (-no_etm: MAC-then-encrypt); inside: a1 AUTHENTICATE CRAM-MD5, "+ " challenge, response; once decrypted a challenge-response'
tls_capture imaps-tls13-keyupdate-login-keylog 993 ok --lacks "${PW[uma]}" \
    --version 1.3 --cipher TLS_CHACHA20_POLY1305_SHA256 --keyupdate \
    --decrypted 'a1 LOGIN uma "Uma-Pipeline-23"' --decrypted 'a1 OK' -- \
    "${SCLIENT[@]}" $V4 993 imap login uma "${PW[uma]}" --keyupdate --keylog @KEYS@ -- \
    -tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256
meta imaps-tls13-keyupdate-login-keylog IMAP 4 993 'openssl s_client' LOGIN uma "${PW[uma]}" ok tls-keylog 'implicit TLS 1.3 TLS_CHACHA20_POLY1305_SHA256; a0 CAPABILITY, then a KeyUpdate from the client with update_requested (s_client "K"), then a1 LOGIN uma "Uma-Pipeline-23" under the next client traffic secret; the server'"'"'s KeyUpdate comes just before its answer to the LOGIN; the key log also has OpenSSL'"'"'s CLIENT/SERVER_TRAFFIC_SECRET_N lines'
tls_capture imaps-tls13-fetch-decoy-body-keylog 993 ok --lacks "${PW[clara]}" --lacks mallory \
    --version 1.3 --decrypted 'LOGIN clara "Clara-Fetch-12"' --decrypted 'a1 LOGIN mallory notreal' \
    --decrypted "a2 AUTHENTICATE PLAIN $PLAIN_MALLORY" --decrypted 'BODY[] {' -- \
    "${IMAPLIB[@]}" $V4 993 login clara "${PW[clara]}" --fetch 1 --tls implicit "${TLSPY[@]}"
meta imaps-tls13-fetch-decoy-body-keylog IMAP 4 993 'imaplib (ssl keylog_filename)' LOGIN clara "${PW[clara]}" ok tls-keylog "implicit TLS 1.3; inside as in imap-fetch-decoy-body: FETCH 1 (BODY.PEEK[]), the literal holds lines a1 LOGIN mallory notreal / a2 AUTHENTICATE PLAIN $PLAIN_MALLORY; mallory is NOT a credential"
tls_capture imap-starttls-tls13-digest-md5-keylog 143 ok --has 'STARTTLS' --lacks "${PW[walter]}" \
    --version 1.3 --decrypted 'AUTHENTICATE DIGEST-MD5' --decrypted "$(b64 'username="walter",realm="example.test",')" -- \
    "${IMAPLIB[@]}" $V4 143 digest-md5 walter "${PW[walter]}" --tls starttls "${TLSPY[@]}"
meta imap-starttls-tls13-digest-md5-keylog IMAP 4 143 'imaplib (ssl keylog_filename)' DIGEST-MD5 walter "${PW[walter]}" ok tls-keylog 'CAPABILITY, STARTTLS in the clear; TLS 1.3; inside as in imap-authenticate-digest-md5 (realm example.test, digest-uri imap/mail.example.test, fixed cnonce); once decrypted a challenge-response'

# ---------------------------------------------------------------- POP3
tls_capture pop3s-tls13-chacha20-auth-login-keylog 995 ok --lacks "${PW[judy]}" --lacks "$(b64 "${PW[judy]}")" \
    --version 1.3 --cipher TLS_CHACHA20_POLY1305_SHA256 --decrypted 'AUTH LOGIN' \
    --decrypted "$(b64 judy)" --decrypted "$(b64 "${PW[judy]}")" -- \
    "${TLSCURL[@]}" --tlsv1.3 --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256 \
    --login-options AUTH=LOGIN -u "judy:${PW[judy]}" pop3s://$V4/
meta pop3s-tls13-chacha20-auth-login-keylog POP3 4 995 'curl (SSLKEYLOGFILE)' LOGIN judy "${PW[judy]}" ok tls-keylog 'implicit TLS 1.3 TLS_CHACHA20_POLY1305_SHA256; inside: CAPA, AUTH LOGIN, "+ VXNlcm5hbWU6" / "+ UGFzc3dvcmQ6" dialogue, LIST, QUIT'
tls_capture pop3-stls-tls12-aes256gcm-user-pass-keylog 110 ok --has 'STLS' --lacks "${PW[carol]}" \
    --version 1.2 --cipher ECDHE-ECDSA-AES256-GCM-SHA384 --decrypted 'USER carol' \
    --decrypted "PASS ${PW[carol]}" --decrypted '+OK Logged in.' -- \
    "${SCLIENT[@]}" $V4 110 pop3 login carol "${PW[carol]}" --starttls --keylog @KEYS@ -- "${S12[@]}" ECDHE-ECDSA-AES256-GCM-SHA384
meta pop3-stls-tls12-aes256gcm-user-pass-keylog POP3 4 110 'openssl s_client -starttls pop3' USER/PASS carol "${PW[carol]}" ok tls-keylog 'greeting and STLS in the clear (s_client sends no CAPA); TLS 1.2 ECDHE-ECDSA-AES256-GCM-SHA384; inside: USER carol, PASS, STAT, QUIT'
tls_capture pop3s-tls12-chacha20-retr-decoy-body-keylog 995 ok --lacks "${PW[nina]}" --lacks mallory \
    --version 1.2 --cipher ECDHE-ECDSA-CHACHA20-POLY1305 --decrypted "PASS ${PW[nina]}" \
    --decrypted 'USER mallory' --decrypted 'PASS notreal' --decrypted "AUTH PLAIN $PLAIN_MALLORY" -- \
    "${POPLIB[@]}" $V4 995 user-pass nina "${PW[nina]}" --retr 1 --tls implicit "${TLSPY[@]}" \
    --tls-version 1.2 --ciphers ECDHE-ECDSA-CHACHA20-POLY1305
meta pop3s-tls12-chacha20-retr-decoy-body-keylog POP3 4 995 'poplib (ssl keylog_filename)' USER/PASS nina "${PW[nina]}" ok tls-keylog "implicit TLS 1.2 ECDHE-ECDSA-CHACHA20-POLY1305; inside as in pop3-retr-decoy-body: RETR 1, the body has lines USER mallory / PASS notreal / AUTH PLAIN $PLAIN_MALLORY and a dot-stuffed line; mallory is NOT a credential"
tls_capture pop3s-tls13-user-pass-fail-ipv6-keylog 995 ok --lacks 'Not-Grace-Pass' --version 1.3 \
    --decrypted 'USER grace' --decrypted 'PASS Not-Grace-Pass' --decrypted '-ERR [AUTH] Authentication failed.' -- \
    "${POPLIB[@]}" $V6 995 user-pass grace 'Not-Grace-Pass' --expect fail --tls implicit "${TLSPY[@]}"
meta pop3s-tls13-user-pass-fail-ipv6-keylog POP3 6 995 'poplib (ssl keylog_filename)' USER/PASS grace 'Not-Grace-Pass' fail tls-keylog "over ::1; implicit TLS 1.3; wrong password (real one: ${PW[grace]}); inside: -ERR [AUTH] Authentication failed., then QUIT"

# ---------------------------------------------------------------- SMTP
tls_capture smtps-tls13-aes128gcm-plain-keylog 465 ok --lacks "${PW[erin]}" --lacks "$(plain_b64 erin "${PW[erin]}")" \
    --version 1.3 --cipher TLS_AES_128_GCM_SHA256 --decrypted $'AUTH PLAIN\r\n' \
    --decrypted "$(plain_b64 erin "${PW[erin]}")" --decrypted '235 2.7.0' --decrypted '250 2.0.0 Ok: queued' -- \
    "${TLSCURL[@]}" --tlsv1.3 --tls13-ciphers TLS_AES_128_GCM_SHA256 --login-options AUTH=PLAIN \
    -u "erin:${PW[erin]}" --mail-from erin@example.test --mail-rcpt "$TO" -T "$WORK/msg/smtps-curl.eml" \
    smtps://$V4:465/client.example.test
meta smtps-tls13-aes128gcm-plain-keylog SMTP 4 465 'curl (SSLKEYLOGFILE)' PLAIN erin "${PW[erin]}" ok tls-keylog 'implicit TLS 1.3 TLS_AES_128_GCM_SHA256; inside: EHLO, "AUTH PLAIN" without initial response, "334 ", the base64 line, 235; message sent'
tls_capture smtp-starttls-tls12-cbc-sha256-etm-plain-keylog 587 ok --has '220 2.0.0 Ready to start TLS' \
    --lacks "${PW[edith]}" --lacks "$(plain_b64 edith "${PW[edith]}")" --version 1.2 \
    --cipher ECDHE-ECDSA-AES128-SHA256 --etm --decrypted "$(plain_b64 edith "${PW[edith]}")" -- \
    "$PY" "$CLIENTS/smtplib_session.py" $V4 587 edith "${PW[edith]}" --from edith@example.test --to "$TO" \
    --message "$WORK/msg/smtp-submit.eml" --tls starttls "${TLSPY[@]}" --tls-version 1.2 --ciphers ECDHE-ECDSA-AES128-SHA256
meta smtp-starttls-tls12-cbc-sha256-etm-plain-keylog SMTP 4 587 'smtplib (ssl keylog_filename)' PLAIN edith "${PW[edith]}" ok tls-keylog 'EHLO, STARTTLS in the clear; TLS 1.2 ECDHE-ECDSA-AES128-SHA256 (AES-128-CBC, HMAC-SHA256) with encrypt_then_mac; inside: EHLO, "AUTH PLAIN", "334 ", the base64 line; message sent'
tls_capture smtp-starttls-tls12-cbc-sha1-noetm-login-fail-keylog 587 ok --has 'STARTTLS' \
    --lacks 'Not-Felix-Pass' --lacks "$(b64 'Not-Felix-Pass')" --version 1.2 --cipher ECDHE-ECDSA-AES256-SHA \
    --no-etm --decrypted "$(b64 felix)" --decrypted "$(b64 'Not-Felix-Pass')" --decrypted '535 5.7.8' -- \
    "${SCLIENT[@]}" $V4 587 smtp login felix 'Not-Felix-Pass' --starttls --expect fail --keylog @KEYS@ -- \
    -no_etm "${S12[@]}" ECDHE-ECDSA-AES256-SHA
meta smtp-starttls-tls12-cbc-sha1-noetm-login-fail-keylog SMTP 4 587 'openssl s_client -starttls smtp' LOGIN felix 'Not-Felix-Pass' fail tls-keylog "EHLO, STARTTLS in the clear; TLS 1.2 ECDHE-ECDSA-AES256-SHA (AES-256-CBC, HMAC-SHA1), no encrypt_then_mac (-no_etm); wrong password (real one: ${PW[felix]}); inside: EHLO, AUTH LOGIN dialogue, 535 5.7.8, QUIT"

# Resumptions: Dovecot's login processes each serve one connection with
# their own ticket key and session cache, so only Postfix (tlsmgr) resumes.
tls_first smtps-tls12-resumed-session-id-keylog \
    "${SCLIENT[@]}" $V4 465 smtp login iris "${PW[iris]}" --reused no -- -tls1_2 -no_ticket -sess_out @SESS@
tls_capture smtps-tls12-resumed-session-id-keylog 465 ok --lacks "${PW[iris]}" --lacks "$(b64 "${PW[iris]}")" \
    --version 1.2 --resumed --decrypted "$(b64 iris)" --decrypted "$(b64 "${PW[iris]}")" --decrypted '235 2.7.0' -- \
    "${SCLIENT[@]}" $V4 465 smtp login iris "${PW[iris]}" --reused yes --keylog @KEYS@ -- \
    -tls1_2 -no_ticket -sess_in @SESS@
meta smtps-tls12-resumed-session-id-keylog SMTP 4 465 'openssl s_client -sess_in' LOGIN iris "${PW[iris]}" ok tls-keylog 'the second of two connections: TLS 1.2 ECDHE-ECDSA-AES256-GCM-SHA384 resumed by session id (-no_ticket; Postfix session cache), abbreviated handshake without certificate; the key log has its CLIENT_RANDOM line (the master secret of the first connection with this one'"'"'s client random); inside: EHLO, AUTH LOGIN, 235, QUIT'
tls_first smtps-tls12-resumed-ticket-keylog \
    "${SCLIENT[@]}" $V4 465 smtp plain jack "${PW[jack]}" --reused no -- "${S12[@]}" ECDHE-ECDSA-AES128-GCM-SHA256 -sess_out @SESS@
tls_capture smtps-tls12-resumed-ticket-keylog 465 ok --lacks "${PW[jack]}" --lacks "$(plain_b64 jack "${PW[jack]}")" \
    --version 1.2 --cipher ECDHE-ECDSA-AES128-GCM-SHA256 --resumed \
    --decrypted "AUTH PLAIN $(plain_b64 jack "${PW[jack]}")" --decrypted '235 2.7.0' -- \
    "${SCLIENT[@]}" $V4 465 smtp plain jack "${PW[jack]}" --reused yes --keylog @KEYS@ -- \
    "${S12[@]}" ECDHE-ECDSA-AES128-GCM-SHA256 -sess_in @SESS@
meta smtps-tls12-resumed-ticket-keylog SMTP 4 465 'openssl s_client -sess_in' PLAIN jack "${PW[jack]}" ok tls-keylog 'the second of two connections: TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256 resumed with the session ticket (RFC 5077) of the first, abbreviated handshake; the key log has its CLIENT_RANDOM line; inside: EHLO, AUTH PLAIN with initial response, 235, QUIT'
tls_first smtps-tls13-resumed-psk-keylog \
    "${SCLIENT[@]}" $V4 465 smtp cram-md5 gina "${PW[gina]}" --reused no -- -tls1_3 -sess_out @SESS@
tls_capture smtps-tls13-resumed-psk-keylog 465 ok --lacks "${PW[gina]}" --version 1.3 --resumed \
    --decrypted 'AUTH CRAM-MD5' --decrypted '235 2.7.0' -- \
    "${SCLIENT[@]}" $V4 465 smtp cram-md5 gina "${PW[gina]}" --reused yes --keylog @KEYS@ -- -tls1_3 -sess_in @SESS@
meta smtps-tls13-resumed-psk-keylog SMTP 4 465 'openssl s_client -sess_in' CRAM-MD5 gina "${PW[gina]}" ok tls-keylog 'the second of two connections: TLS 1.3 resumed with a PSK (a NewSessionTicket of the first; psk_dhe_ke), no certificate; the key log has this connection'"'"'s traffic secrets; inside: EHLO, AUTH CRAM-MD5, 235, QUIT; once decrypted a challenge-response'

# ---------------------------------------------------------------- pcapng
tls_capture imaps-tls13-auth-login-dsb 993 ok --lacks "${PW[ursula]}" --lacks "$(b64 "${PW[ursula]}")" \
    --version 1.3 --decrypted 'AUTHENTICATE LOGIN dXJzdWxh' --decrypted "$(b64 "${PW[ursula]}")" -- \
    "${TLSCURL[@]}" --login-options AUTH=LOGIN -u "ursula:${PW[ursula]}" imaps://$V4/INBOX
tls_dsb imaps-tls13-auth-login-dsb --version 1.3 --has "$(b64 "${PW[ursula]}")"
meta imaps-tls13-auth-login-dsb.pcapng IMAP 4 993 'curl (SSLKEYLOGFILE)' LOGIN ursula "${PW[ursula]}" ok tls-keylog 'pcapng: the key log curl wrote is in a Decryption Secrets Block (editcap --inject-secrets) before the packets, no .keys file; implicit TLS 1.3; inside: AUTHENTICATE LOGIN with the user as SASL-IR, "+ UGFzc3dvcmQ6", base64 password, LIST, LOGOUT'
