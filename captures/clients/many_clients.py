#!/usr/bin/python3
"""Many mail clients at once (Python's imaplib, poplib, smtplib; one thread
each, released together by a barrier) against the test bed's Dovecot and
Postfix.  Used by ../report-scenarios.sh for report-many-clients.pcap.

  many_clients.py ACCOUNTS-FILE

ACCOUNTS-FILE has lines "user<TAB>password" for ada, basil, cora, dmitri,
elena, fabio.  The sessions (7 TCP connections):
  imap4    127.0.0.1:143  ada:    LOGIN with a wrong password (NO), LOGIN
                                   again with the right one in the same
                                   connection, SELECT INBOX, LOGOUT
  imap6    [::1]:143      basil:  LOGIN, SELECT INBOX, LOGOUT
  pop3     127.0.0.1:110  cora:   CAPA (lists STLS), USER / wrong PASS (-ERR),
                                   QUIT; then a second connection: CAPA,
                                   USER / PASS, STAT, QUIT
  smtp     127.0.0.1:587  dmitri: EHLO, AUTH PLAIN (initial response) with a
                                   wrong password (535), AUTH PLAIN with the
                                   right one (235), one message, QUIT
  starttls 127.0.0.1:143  elena:  CAPABILITY, STARTTLS, TLS (default, 1.3),
                                   LOGIN inside TLS, SELECT, LOGOUT
  imaps    127.0.0.1:993  fabio:  implicit TLS, LOGIN, SELECT, LOGOUT
Every cleartext one logs in in the clear although the server offers
STARTTLS / STLS.  No key log is written.  Exit status 0 means every session
behaved as described.
"""
import base64
import imaplib
import poplib
import smtplib
import ssl
import sys
import threading
import traceback

WRONG = {"ada": "Not-Ada-Pass", "cora": "Not-Cora-Pass", "dmitri": "Not-Dmitri-Pass"}
MESSAGE = (
    "From: dmitri@example.test\r\n"
    "To: bob@example.test\r\n"
    "Subject: Submitted while others logged in\r\n"
    "Date: Thu, 01 Jan 2026 12:30:00 +0000\r\n"
    "Message-Id: <many-clients@client.example.test>\r\n"
    "\r\n"
    "Hello Bob, AUTH PLAIN in the clear on port 587, STARTTLS offered, not used.\r\n"
).encode()


def ctx():
    c = ssl.create_default_context()
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    return c


def log(name, text):
    sys.stderr.write("%s: %s\n" % (name, text))


def imap4(pw):
    m = imaplib.IMAP4("127.0.0.1", 143)
    try:
        m.login("ada", WRONG["ada"])
        raise SystemExit("ada: wrong password accepted")
    except imaplib.IMAP4.error as e:
        log("imap4", "refused as expected: %s" % e)
    log("imap4", m.login("ada", pw["ada"]))
    m.select("INBOX")
    m.logout()


def imap6(pw):
    m = imaplib.IMAP4("::1", 143)
    log("imap6", m.login("basil", pw["basil"]))
    m.select("INBOX")
    m.logout()


def pop3(pw):
    p = poplib.POP3("127.0.0.1", 110)
    if "STLS" not in p.capa():
        raise SystemExit("pop3: STLS not offered")
    p.user("cora")
    try:
        p.pass_(WRONG["cora"])
        raise SystemExit("cora: wrong password accepted")
    except poplib.error_proto as e:
        log("pop3", "refused as expected: %s" % e)
    p.quit()
    p = poplib.POP3("127.0.0.1", 110)
    p.capa()
    p.user("cora")
    log("pop3", p.pass_(pw["cora"]))
    p.stat()
    p.quit()


def smtp(pw):
    s = smtplib.SMTP("127.0.0.1", 587, local_hostname="client.example.test")
    s.ehlo()
    if not s.has_extn("starttls"):
        raise SystemExit("smtp: STARTTLS not offered")
    plain = lambda p: lambda challenge=None: "\0dmitri\0" + p
    try:
        s.auth("PLAIN", plain(WRONG["dmitri"]))
        raise SystemExit("dmitri: wrong password accepted")
    except smtplib.SMTPAuthenticationError as e:
        log("smtp", "refused as expected: %s" % (e,))
    log("smtp", s.auth("PLAIN", plain(pw["dmitri"])))
    s.sendmail("dmitri@example.test", ["bob@example.test"], MESSAGE)
    s.quit()


def starttls(pw):
    m = imaplib.IMAP4("127.0.0.1", 143)
    m.starttls(ctx())
    log("starttls", "%s %s" % (m.sock.version(), m.sock.cipher()[0]))
    log("starttls", m.login("elena", pw["elena"]))
    m.select("INBOX")
    m.logout()


def imaps(pw):
    m = imaplib.IMAP4_SSL("127.0.0.1", 993, ssl_context=ctx())
    log("imaps", "%s %s" % (m.sock.version(), m.sock.cipher()[0]))
    log("imaps", m.login("fabio", pw["fabio"]))
    m.select("INBOX")
    m.logout()


def main():
    pw = {}
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            u, p = line.rstrip("\n").split("\t")
            pw[u] = p
    sessions = [imap4, imap6, pop3, smtp, starttls, imaps]
    barrier = threading.Barrier(len(sessions))
    failed = []

    def run(fn):
        barrier.wait()
        try:
            fn(pw)
            log(fn.__name__, "done")
        except BaseException:
            failed.append(fn.__name__)
            traceback.print_exc()

    threads = [threading.Thread(target=run, args=(fn,)) for fn in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failed:
        raise SystemExit("failed: %s" % ", ".join(failed))


if __name__ == "__main__":
    main()
