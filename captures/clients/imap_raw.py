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
Then a2 SELECT INBOX and a3 LOGOUT.  Lengths are counted in UTF-8 bytes.
Exits non-zero if the server does not answer as --expect says.
"""
import argparse
import socket
import sys


class Conn:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port), timeout=20)
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(4096)
            if not d:
                raise SystemExit("connection closed by server")
            self.buf += d
        l, self.buf = self.buf.split(b"\r\n", 1)
        sys.stderr.write("S: %r\n" % l)
        return l

    def send(self, data):
        sys.stderr.write("C: %r\n" % data)
        self.s.sendall(data)

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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("mode", choices=["literal", "literal-plus", "quoted"])
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
    if a.mode == "literal":
        c.send(b"a1 LOGIN {%d}\r\n" % len(user))
        c.wait_continuation()
        c.send(user + b" {%d}\r\n" % len(pw))
        c.wait_continuation()
        c.send(pw + b"\r\n")
    elif a.mode == "literal-plus":
        c.send(b"a1 LOGIN {%d+}\r\n%s {%d+}\r\n%s\r\n" % (len(user), user, len(pw), pw))
    else:
        c.send(b"a1 LOGIN " + quote(user) + b" " + quote(pw) + b"\r\n")
    res = c.until_tagged(b"a1")
    ok = res.startswith(b"a1 OK")
    if ok:
        c.send(b"a2 SELECT INBOX\r\n")
        c.until_tagged(b"a2")
    c.send(b"a3 LOGOUT\r\n")
    c.until_tagged(b"a3")
    # wait for the server to close first, as real clients do after LOGOUT
    try:
        while c.s.recv(4096):
            pass
    except OSError:
        pass
    c.s.close()
    if ok != (a.expect == "ok"):
        raise SystemExit("unexpected login result: %r" % res)


if __name__ == "__main__":
    main()
