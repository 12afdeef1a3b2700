#!/usr/bin/python3
"""Drive one POP3 session with Python's standard poplib (a real POP3 client).

Used by ../make-captures.sh.  Modes:
  user-pass   USER / PASS
  apop        APOP (poplib.apop, uses the <timestamp> of the server greeting)
After a successful login: STAT, LIST, UIDL and, with --retr N, RETR N; then
QUIT.  With --expect fail the login must be refused (-ERR) and the client
still sends QUIT.  --tls implicit (POP3_SSL) or --tls starttls (STLS
first), with the TLS options of tlsctx.py.  Exit status 0 means "behaved
as expected".
"""
import argparse
import poplib
import socket

import tlsctx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("mode", choices=["user-pass", "apop"])
    ap.add_argument("user")
    ap.add_argument("password")
    ap.add_argument("--expect", choices=["ok", "fail"], default="ok")
    ap.add_argument("--retr", type=int)
    tlsctx.add_args(ap)
    a = ap.parse_args()

    socket.setdefaulttimeout(20)
    p = tlsctx.connect(a, lambda: poplib.POP3(a.host, a.port),
                       lambda ctx: poplib.POP3_SSL(a.host, a.port, context=ctx),
                       lambda p, ctx: p.stls(context=ctx))
    try:
        if a.mode == "user-pass":
            p.user(a.user)
            p.pass_(a.password)
        else:
            p.apop(a.user, a.password)
        ok = True
    except poplib.error_proto as e:
        print("login refused:", e)
        ok = False
    if ok:
        p.stat()
        p.list()
        p.uidl()
        if a.retr:
            p.retr(a.retr)
    p.quit()
    if ok != (a.expect == "ok"):
        raise SystemExit("unexpected login result: %s" % ("ok" if ok else "fail"))


if __name__ == "__main__":
    main()
