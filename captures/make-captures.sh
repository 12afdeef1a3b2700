#!/bin/bash
# make-captures.sh - re-create mailtap's reference packet captures.
#
# Runs real servers (Dovecot for IMAP/POP3 and SASL, Postfix for SMTP) and
# real clients (Python imaplib/poplib/smtplib, curl, swaks, Ruby Net::IMAP,
# openssl s_client, plus small stdlib-socket clients of ours in clients/ for
# syntaxes no stock client produces; Samba's winbindd behind Dovecot for
# NTLM) on the loopback interface of a private network namespace, and
# records each client session with tcpdump into its own file in this folder.
# The TLS sessions recorded together with their clients' key logs are in
# tls-scenarios.sh; the test bed itself is capture-lib.sh.
#
# Must run as root on Debian 12.  Installs missing Debian packages with
# apt-get.  Touches nothing in /etc: every server config lives in a temp dir
# that is removed on exit together with the namespace and the servers.
#
# Usage: captures/make-captures.sh [-k] [SCENARIO-NAME...]
#   -k              keep the temp dir (configs, logs) for debugging
#   SCENARIO-NAME   only (re)make these captures, e.g. imap-login-ok;
#                   without names every capture is made and stale *.pcap,
#                   *.pcapng and *.keys files in captures/ are removed first.
# MAILTAP_NS=NAME names the network namespace (default mailtap-cap).
# See README.md beside this script for what each capture holds.

set -euo pipefail
export LC_ALL=C.UTF-8
umask 022

ME=make-captures
KEEP=0
if [[ ${1:-} == -k ]]; then KEEP=1; shift; fi
ONLY=("$@")
# shellcheck source=capture-lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/capture-lib.sh"

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

# ---------------------------------------------------------------- TLS
# shellcheck source=tls-scenarios.sh
source "$CAPDIR/tls-scenarios.sh"

# ---------------------------------------------------------------- extensions
# shellcheck source=ext-scenarios.sh
source "$CAPDIR/ext-scenarios.sh"

# ---------------------------------------------------------------- audit report
# shellcheck source=report-scenarios.sh
source "$CAPDIR/report-scenarios.sh"

# ---------------------------------------------------------------- publish
# A full run replaces every capture, key log and expected.tsv; a run with
# names replaces (or adds) only those captures and their expected.tsv rows.
shopt -s nullglob
made=("$OUT"/*.pcap "$OUT"/*.pcapng "$OUT"/*.keys "$OUT"/*.creds.tsv)
if ((${#made[@]} == 0)) && [[ -n ${MAILTAP_HOLD:-} ]]; then
    log "hold finished, nothing captured"; exit 0
fi
((${#made[@]})) || die "no capture was made"
if ((${#ONLY[@]} == 0)); then
    rm -f "$CAPDIR"/*.pcap "$CAPDIR"/*.pcapng "$CAPDIR"/*.keys "$CAPDIR"/*.creds.tsv
    cp "$OUT/expected.tsv" "$CAPDIR/expected.tsv"
else
    for f in "$OUT"/*.pcap "$OUT"/*.pcapng; do echo "${f##*/}"; done >"$WORK/made.txt"
    awk -F'\t' 'FILENAME == ARGV[1] { made[$1] = 1; next }
        FILENAME == ARGV[2] { if (FNR > 1 && ($1 in made)) { row[$1] = $0; order[++n] = $1 }; next }
        FNR > 1 && ($1 in row) { print row[$1]; done[$1] = 1; next }
        { print }
        END { for (i = 1; i <= n; i++) if (!(order[i] in done)) print row[order[i]] }' \
        "$WORK/made.txt" "$OUT/expected.tsv" "$CAPDIR/expected.tsv" >"$WORK/expected.tsv"
    cp "$WORK/expected.tsv" "$CAPDIR/expected.tsv"
fi
chmod 644 "${made[@]}"
mv -f "${made[@]}" "$CAPDIR/"
log "done: ${#made[@]} file(s) written to $CAPDIR"
