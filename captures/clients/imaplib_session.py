#!/usr/bin/python3
"""Drive one IMAP session with Python's standard imaplib (a real IMAP client).

Used by ../make-captures.sh.  Modes:
  login           LOGIN user password (imaplib quotes the arguments itself)
  auth-plain      AUTHENTICATE PLAIN, no SASL-IR: imaplib waits for "+ "
  cram-md5        imaplib.login_cram_md5 (AUTHENTICATE CRAM-MD5)
  anonymous       AUTHENTICATE ANONYMOUS with a trace string as "password"
  xoauth2         AUTHENTICATE XOAUTH2, the "password" is the bearer token
                  (the usual imaplib recipe for Gmail/Outlook)
  digest-md5      AUTHENTICATE DIGEST-MD5; imaplib has no DIGEST-MD5 code, so
                  the RFC 2831 response is computed here (fixed cnonce)
After a successful login the session does SELECT INBOX and, if asked,
FETCH of the messages of an IMAP sequence set (--fetch 3, --fetch 1:*) or
APPEND of a file (--append FILE), then LOGOUT.  With --expect fail the login must be refused (NO) and the
client logs out cleanly.  --tls implicit (IMAP4_SSL) or --tls starttls
(STARTTLS first), with the TLS options of tlsctx.py; the negotiated TLS
version and cipher suite are printed on standard error ("tls: TLSv1.3
TLS_AES_128_GCM_SHA256").  Exit status 0 means "behaved as expected".
"""
import argparse
import hashlib
import imaplib
import re
import socket
import sys

import tlsctx


class DigestMD5:
    """RFC 2831 client side, as an imaplib authobject."""
    CNONCE = "bWFpbHRhcC1jYXB0dXJlcw"   # fixed, for reproducible content
    DIGEST_URI = "imap/mail.example.test"

    def __init__(self, user, password):
        self.user, self.password = user, password
        self.step = 0

    def __call__(self, challenge):
        self.step += 1
        if self.step > 1:          # "+ rspauth=..." : answer with empty line
            return b""
        kv = dict((k.lower(), v.strip('"')) for k, v in
                  re.findall(r'([A-Za-z-]+)=("[^"]*"|[^,]*)', challenge.decode()))
        realm, nonce = kv.get("realm", ""), kv["nonce"]
        nc, qop = "00000001", "auth"
        md5 = lambda b: hashlib.md5(b).digest()
        hexmd5 = lambda b: hashlib.md5(b).hexdigest()
        a1 = (md5(("%s:%s:%s" % (self.user, realm, self.password)).encode("utf-8"))
              + (":%s:%s" % (nonce, self.CNONCE)).encode())
        a2 = ("AUTHENTICATE:%s" % self.DIGEST_URI).encode()
        resp = hexmd5(("%s:%s:%s:%s:%s:%s" % (hexmd5(a1), nonce, nc, self.CNONCE,
                                             qop, hexmd5(a2))).encode())
        return ('username="%s",realm="%s",nonce="%s",cnonce="%s",nc=%s,'
                'qop=%s,digest-uri="%s",response=%s,charset=utf-8'
                % (self.user, realm, nonce, self.CNONCE, nc, qop,
                   self.DIGEST_URI, resp)).encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("mode", choices=["login", "auth-plain", "cram-md5",
                                          "anonymous", "xoauth2", "digest-md5"])
    ap.add_argument("user")
    ap.add_argument("password")
    ap.add_argument("--expect", choices=["ok", "fail"], default="ok")
    ap.add_argument("--fetch", help="IMAP sequence set of the messages to FETCH")
    ap.add_argument("--append")
    tlsctx.add_args(ap)
    a = ap.parse_args()

    socket.setdefaulttimeout(20)
    m = tlsctx.connect(a, lambda: imaplib.IMAP4(a.host, a.port),
                       lambda ctx: imaplib.IMAP4_SSL(a.host, a.port, ssl_context=ctx),
                       lambda m, ctx: m.starttls(ssl_context=ctx))
    if hasattr(m.sock, "cipher"):
        name, version, _bits = m.sock.cipher()
        print("tls:", version, name, file=sys.stderr)
    try:
        if a.mode == "login":
            m.login(a.user, a.password)
        elif a.mode == "auth-plain":
            blob = b"\0" + a.user.encode() + b"\0" + a.password.encode()
            m.authenticate("PLAIN", lambda _challenge: blob)
        elif a.mode == "cram-md5":
            m.login_cram_md5(a.user, a.password)
        elif a.mode == "anonymous":
            m.authenticate("ANONYMOUS", lambda _challenge: a.password.encode())
        elif a.mode == "xoauth2":
            blob = ("user=%s\x01auth=Bearer %s\x01\x01" % (a.user, a.password)).encode()
            # first call: the initial client response; a second call means
            # the server sent an error challenge (JSON), which must be
            # answered with an empty line before the tagged NO.
            replies = [blob]
            m.authenticate("XOAUTH2", lambda _c: replies.pop() if replies else b"")
        elif a.mode == "digest-md5":
            m.authenticate("DIGEST-MD5", DigestMD5(a.user, a.password))
        ok = True
    except imaplib.IMAP4.error as e:
        print("login refused:", e, file=sys.stderr)
        ok = False
    if ok:
        m.select("INBOX")
        if a.fetch:
            typ, data = m.fetch(a.fetch, "(BODY.PEEK[])")
            if typ != "OK":
                raise SystemExit("FETCH failed")
            got = sum(len(d[1]) for d in data if isinstance(d, tuple))
            print("fetched: %d messages, %d bytes" % (len(data) // 2, got), file=sys.stderr)
        if a.append:
            with open(a.append, "rb") as f:
                msg = f.read()
            typ, data = m.append("INBOX", None, None, msg)
            if typ != "OK":
                raise SystemExit("APPEND failed")
    m.logout()
    want = a.expect == "ok"
    if ok != want:
        raise SystemExit("unexpected login result: %s" % ("ok" if ok else "fail"))


if __name__ == "__main__":
    main()
