#!/usr/bin/python3
"""Minimal hand-written IMAP client (stdlib sockets) for LOGIN syntaxes that
no stock client on Debian produces on demand.  Used by ../make-captures.sh
against the real Dovecot server.

Modes:
  literal       a1 LOGIN {n}<CRLF> -- waits for "+" -- user {m}<CRLF>
                -- waits for "+" -- password<CRLF>   (synchronising literals)
  literal-plus  a1 LOGIN {n+}<CRLF>user {m+}<CRLF>password<CRLF>
                sent in one go, without waiting (RFC 7888 LITERAL+)
  quoted        a1 LOGIN "user" "password", with \\ and \" escaped and the
                password sent as raw UTF-8 bytes (imaplib only speaks ASCII)
  pipelined     a1 CAPABILITY, a2 LOGIN user password (atoms, unquoted),
                a3 SELECT INBOX, a4 LOGOUT, all four sent in ONE write (one
                TCP segment) right after the greeting, without waiting for
                any answer (IMAP allows pipelining commands)
  scram-sha-256 a1 AUTHENTICATE SCRAM-SHA-256 with SASL-IR (RFC 5802 /
                RFC 7677 client side, fixed client nonce); the server's final
                "+ v=..." continuation is checked and answered with an empty
                line
Then a2 SELECT INBOX and a3 LOGOUT.  Lengths are counted in UTF-8 bytes.
Exits non-zero if the server does not answer as --expect says.
"""
import argparse
import base64
import hashlib
import hmac
import sys

from lineconn import LineConn


class Conn(LineConn):
    def until_tagged(self, tag):
        while True:
            l = self.line()
            if l.startswith(tag + b" "):
                return l

    def wait_continuation(self):
        l = self.line()
        if not l.startswith(b"+"):
            raise SystemExit("expected continuation, got %r" % l)


def quote(b):
    return b'"' + b.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


class ScramSHA256:
    """RFC 5802 / RFC 7677 client side (no channel binding, ASCII password:
    SASLprep is the identity then)."""
    CNONCE = "bWFpbHRhcC1zY3JhbS1ub25jZQ"   # fixed, for reproducible content

    def __init__(self, user, password):
        self.user, self.password = user, password
        self.gs2 = "n,,"
        name = user.replace("=", "=3D").replace(",", "=2C")
        self.first_bare = "n=%s,r=%s" % (name, self.CNONCE)
        self.server_sig = None

    def first(self):
        return (self.gs2 + self.first_bare).encode()

    def final(self, server_first):
        sf = server_first.decode()
        kv = dict(x.split("=", 1) for x in sf.split(","))
        nonce, salt, it = kv["r"], base64.b64decode(kv["s"]), int(kv["i"])
        if not nonce.startswith(self.CNONCE):
            raise SystemExit("server nonce does not extend ours")
        H = lambda b: hashlib.sha256(b).digest()
        HMAC = lambda k, m: hmac.new(k, m, hashlib.sha256).digest()
        salted = hashlib.pbkdf2_hmac("sha256", self.password.encode(), salt, it)
        ckey = HMAC(salted, b"Client Key")
        without_proof = "c=%s,r=%s" % (base64.b64encode(self.gs2.encode()).decode(), nonce)
        auth_msg = ("%s,%s,%s" % (self.first_bare, sf, without_proof)).encode()
        proof = bytes(a ^ b for a, b in zip(ckey, HMAC(H(ckey), auth_msg)))
        self.server_sig = HMAC(HMAC(salted, b"Server Key"), auth_msg)
        return ("%s,p=%s" % (without_proof, base64.b64encode(proof).decode())).encode()

    def check(self, server_final):
        if server_final.decode() != "v=" + base64.b64encode(self.server_sig).decode():
            raise SystemExit("bad server signature %r" % server_final)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("mode", choices=["literal", "literal-plus", "quoted",
                                    "pipelined", "scram-sha-256"])
    ap.add_argument("user")
    ap.add_argument("password")
    ap.add_argument("--expect", choices=["ok", "fail"], default="ok")
    a = ap.parse_args()
    user = a.user.encode("utf-8")
    pw = a.password.encode("utf-8")

    c = Conn(a.host, a.port)
    greeting = c.line()
    if not greeting.startswith(b"* OK"):
        raise SystemExit("bad greeting")
    if a.mode == "pipelined":
        c.send(b"a1 CAPABILITY\r\na2 LOGIN %s %s\r\na3 SELECT INBOX\r\na4 LOGOUT\r\n"
               % (user, pw))
        res = c.until_tagged(b"a2")
        ok = res.startswith(b"a2 OK")
        c.until_tagged(b"a4")
        c.wait_close()
        if ok != (a.expect == "ok"):
            raise SystemExit("unexpected login result: %r" % res)
        return
    res = None
    if a.mode == "scram-sha-256":
        sc = ScramSHA256(a.user, a.password)
        c.send(b"a1 AUTHENTICATE SCRAM-SHA-256 " + base64.b64encode(sc.first()) + b"\r\n")
        step = 0
        while True:
            l = c.line()
            if l.startswith(b"a1 "):
                res = l
                break
            if not l.startswith(b"+"):
                continue
            step += 1
            chal = base64.b64decode(l[2:])
            if step == 1:
                c.send(base64.b64encode(sc.final(chal)) + b"\r\n")
            else:
                sc.check(chal)
                c.send(b"\r\n")
    elif a.mode == "literal":
        c.send(b"a1 LOGIN {%d}\r\n" % len(user))
        c.wait_continuation()
        c.send(user + b" {%d}\r\n" % len(pw))
        c.wait_continuation()
        c.send(pw + b"\r\n")
    elif a.mode == "literal-plus":
        c.send(b"a1 LOGIN {%d+}\r\n%s {%d+}\r\n%s\r\n" % (len(user), user, len(pw), pw))
    else:
        c.send(b"a1 LOGIN " + quote(user) + b" " + quote(pw) + b"\r\n")
    if res is None:
        res = c.until_tagged(b"a1")
    ok = res.startswith(b"a1 OK")
    if ok:
        c.send(b"a2 SELECT INBOX\r\n")
        c.until_tagged(b"a2")
    c.send(b"a3 LOGOUT\r\n")
    c.until_tagged(b"a3")
    c.wait_close()
    if ok != (a.expect == "ok"):
        raise SystemExit("unexpected login result: %r" % res)


if __name__ == "__main__":
    main()
