#!/usr/bin/python3
"""Minimal hand-written ManageSieve client (RFC 5804, stdlib sockets) for
the ManageSieve captures of ../ext-scenarios.sh, against Dovecot's real
Pigeonhole managesieve server.

Reads the greeting (capability lines, then OK), then:

Modes:
  plain-quoted   AUTHENTICATE "PLAIN" "<base64>"    (initial response as a
                 quoted string)
  plain-literal  AUTHENTICATE "PLAIN" {n+}<CRLF><base64><CRLF>   (initial
                 response as a non-synchronising literal, in one write)
  login          AUTHENTICATE "LOGIN"; the server's challenges come as
                 quoted strings ("VXNlcm5hbWU6", "UGFzc3dvcmQ6"), each
                 answered with a quoted base64 string
  scram-sha-256  AUTHENTICATE "SCRAM-SHA-256" "<client-first>" (fixed client
                 nonce); server-first and server-final come as quoted
                 strings; the final one is checked and answered with ""
Then, after a successful login: CAPABILITY (--capability), the script steps
(--putscript FILE: PUTSCRIPT "test" {n+} FILE, LISTSCRIPTS, SETACTIVE
"test", GETSCRIPT "test"), and LOGOUT; waits for the server to close.
Exits non-zero if the login result is not what --expect says.
"""
import argparse
import base64
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lineconn import LineConn            # noqa: E402
from imap_raw import ScramSHA256         # noqa: E402


class Conn(LineConn):
    def literal(self, n):
        while len(self.buf) < n:
            d = self.s.recv(4096)
            if not d:
                raise SystemExit("connection closed by server")
            self.buf += d
        data, self.buf = self.buf[:n], self.buf[n:]
        sys.stderr.write("S: (literal of %d bytes)\n" % n)
        return data

    def response(self):
        """Lines up to and including the final OK / NO / BYE line; a
        literal {n} in a line is read whole.  Returns (final line, lines)."""
        lines = []
        while True:
            l = self.line()
            if l.endswith(b"}") and b"{" in l:
                n = int(l[l.rindex(b"{") + 1:-1].rstrip(b"+"))
                lines.append(self.literal(n))
                continue
            if l.startswith((b"OK", b"NO", b"BYE")):
                return l, lines
            lines.append(l)


def q(b):
    return b'"' + b.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def unq(line):
    """The string of a server challenge line: a quoted string (or a
    literal announced as {n})."""
    if line.startswith(b'"') and line.endswith(b'"'):
        return line[1:-1].replace(b'\\"', b'"').replace(b"\\\\", b"\\")
    raise SystemExit("unexpected challenge %r" % line)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("mode", choices=["plain-quoted", "plain-literal", "login", "scram-sha-256"])
    ap.add_argument("user")
    ap.add_argument("password")
    ap.add_argument("--expect", choices=["ok", "fail"], default="ok")
    ap.add_argument("--capability", action="store_true")
    ap.add_argument("--putscript")
    a = ap.parse_args()
    user, pw = a.user.encode(), a.password.encode()

    c = Conn(a.host, a.port)
    final, caps = c.response()
    if not final.startswith(b"OK") or not any(l.startswith(b'"SASL"') for l in caps):
        raise SystemExit("bad greeting %r" % final)
    plain = base64.b64encode(b"\0" + user + b"\0" + pw)
    if a.mode == "plain-quoted":
        c.send(b'AUTHENTICATE "PLAIN" ' + q(plain) + b"\r\n")
        res, _ = c.response()
    elif a.mode == "plain-literal":
        c.send(b'AUTHENTICATE "PLAIN" {%d+}\r\n%s\r\n' % (len(plain), plain))
        res, _ = c.response()
    elif a.mode == "login":
        c.send(b'AUTHENTICATE "LOGIN"\r\n')
        answers = [user, pw]
        while True:
            l = c.line()
            if l.startswith((b"OK", b"NO", b"BYE")):
                res = l
                break
            base64.b64decode(unq(l))
            c.send(q(base64.b64encode(answers.pop(0))) + b"\r\n")
    else:
        sc = ScramSHA256(a.user, a.password)
        c.send(b'AUTHENTICATE "SCRAM-SHA-256" ' + q(base64.b64encode(sc.first())) + b"\r\n")
        step = 0
        while True:
            l = c.line()
            if l.startswith((b"OK", b"NO", b"BYE")):
                res = l
                break
            chal = base64.b64decode(unq(l))
            step += 1
            if step == 1:
                c.send(q(base64.b64encode(sc.final(chal))) + b"\r\n")
            else:
                sc.check(chal)
                c.send(b'""\r\n')
        # RFC 5804 2.1: the server may instead put server-final into the OK
        # line as (SASL "..."); check it there too
        if res.startswith(b'OK (SASL "'):
            sc.check(base64.b64decode(res.split(b'"')[1]))
    ok = res.startswith(b"OK")
    if ok:
        if a.capability:
            c.send(b"CAPABILITY\r\n")
            c.response()
        if a.putscript:
            with open(a.putscript, "rb") as f:
                script = f.read()
            c.send(b'PUTSCRIPT "test" {%d+}\r\n%s\r\n' % (len(script), script))
            r, _ = c.response()
            if not r.startswith(b"OK"):
                raise SystemExit("PUTSCRIPT refused: %r" % r)
            c.send(b"LISTSCRIPTS\r\n")
            c.response()
            c.send(b'SETACTIVE "test"\r\n')
            r, _ = c.response()
            if not r.startswith(b"OK"):
                raise SystemExit("SETACTIVE refused: %r" % r)
            c.send(b'GETSCRIPT "test"\r\n')
            r, got = c.response()
            if not r.startswith(b"OK") or script not in got:
                raise SystemExit("GETSCRIPT: %r" % r)
    c.send(b"LOGOUT\r\n")
    c.response()
    c.wait_close()
    if ok != (a.expect == "ok"):
        raise SystemExit("unexpected login result: %r" % res)


if __name__ == "__main__":
    main()
