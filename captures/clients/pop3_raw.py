#!/usr/bin/python3
"""Minimal hand-written POP3 client (stdlib sockets) for command sequences
that poplib does not produce.  Used by ../make-captures.sh against the real
Dovecot server.

Modes:
  auth-cancel  AUTH PLAIN without an initial response -- waits for "+ " --
               sends "*" to cancel the exchange (RFC 5034) -- expects -ERR --
               then USER / PASS, STAT, QUIT
  pipelined    USER, PASS, STAT and QUIT sent in ONE write (one TCP segment)
               right after the greeting, without waiting for any answer
               (RFC 2449 PIPELINING, which Dovecot advertises in CAPA)
Exits non-zero if the server does not answer as --expect says.
"""
import argparse
import sys

from lineconn import LineConn


class Conn(LineConn):
    def status(self, what):
        l = self.line()
        if not l.startswith((b"+OK", b"-ERR", b"+ ", b"+")):
            raise SystemExit("unexpected answer to %s: %r" % (what, l))
        return l


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("mode", choices=["auth-cancel", "pipelined"])
    ap.add_argument("user")
    ap.add_argument("password")
    ap.add_argument("--expect", choices=["ok", "fail"], default="ok")
    a = ap.parse_args()
    user = a.user.encode("utf-8")
    pw = a.password.encode("utf-8")

    c = Conn(a.host, a.port)
    if not c.line().startswith(b"+OK"):
        raise SystemExit("bad greeting")
    if a.mode == "auth-cancel":
        c.send(b"AUTH PLAIN\r\n")
        l = c.status("AUTH PLAIN")
        if not l.startswith(b"+ ") and l != b"+":
            raise SystemExit("expected a continuation, got %r" % l)
        c.send(b"*\r\n")
        l = c.status("*")
        if not l.startswith(b"-ERR"):
            raise SystemExit("cancel not answered with -ERR: %r" % l)
        c.send(b"USER %s\r\n" % user)
        c.status("USER")
        c.send(b"PASS %s\r\n" % pw)
        res = c.status("PASS")
        ok = res.startswith(b"+OK")
        if ok:
            c.send(b"STAT\r\n")
            c.status("STAT")
        c.send(b"QUIT\r\n")
        c.status("QUIT")
    else:
        c.send(b"USER %s\r\nPASS %s\r\nSTAT\r\nQUIT\r\n" % (user, pw))
        c.status("USER")
        res = c.status("PASS")
        ok = res.startswith(b"+OK")
        c.status("STAT")
        c.status("QUIT")
    c.wait_close()
    if ok != (a.expect == "ok"):
        raise SystemExit("unexpected login result: %r" % res)


if __name__ == "__main__":
    main()
