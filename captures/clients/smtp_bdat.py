#!/usr/bin/python3
"""Minimal hand-written SMTP client (stdlib sockets) that sends a message with
BDAT (RFC 3030 CHUNKING), which no stock client on Debian does.  Used by
../make-captures.sh against the real Postfix server.

Session: EHLO, AUTH PLAIN with initial response, MAIL FROM, RCPT TO,
BDAT <n> (first chunk, ends in the middle of a line: just before the
--split-before text), BDAT <m> LAST, QUIT.
The chunks are raw message bytes: no dot-stuffing, no terminating ".".
"""
import argparse
import base64
import socket
import sys


class Conn:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port), timeout=20)
        self.buf = b""

    def reply(self):
        """Read one (possibly multi-line) SMTP reply, return (code, lines)."""
        lines = []
        while True:
            while b"\r\n" not in self.buf:
                d = self.s.recv(4096)
                if not d:
                    raise SystemExit("connection closed by server")
                self.buf += d
            l, self.buf = self.buf.split(b"\r\n", 1)
            sys.stderr.write("S: %r\n" % l)
            lines.append(l)
            if l[3:4] != b"-":
                return int(l[:3]), lines

    def cmd(self, data, want):
        sys.stderr.write("C: %r\n" % data)
        self.s.sendall(data)
        code, lines = self.reply()
        if code != want:
            raise SystemExit("expected %d, got %r" % (want, lines))
        return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("user")
    ap.add_argument("password")
    ap.add_argument("--from", dest="mail_from", required=True)
    ap.add_argument("--to", required=True)
    ap.add_argument("--message", required=True)
    ap.add_argument("--split-before", required=True,
                    help="the first chunk ends just before this text")
    a = ap.parse_args()
    with open(a.message, "rb") as f:
        msg = f.read()
    split = msg.find(a.split_before.encode())
    if split <= 0:
        raise SystemExit("split text not found in message")
    c = Conn(a.host, a.port)
    code, _ = c.reply()
    if code != 220:
        raise SystemExit("bad greeting")
    ehlo = c.cmd(b"EHLO client.example.test\r\n", 250)
    if not any(l[4:].upper() == b"CHUNKING" for l in ehlo):
        raise SystemExit("server does not offer CHUNKING")
    blob = base64.b64encode(b"\0" + a.user.encode() + b"\0" + a.password.encode())
    c.cmd(b"AUTH PLAIN " + blob + b"\r\n", 235)
    c.cmd(b"MAIL FROM:<%s>\r\n" % a.mail_from.encode(), 250)
    c.cmd(b"RCPT TO:<%s>\r\n" % a.to.encode(), 250)
    first, rest = msg[:split], msg[split:]
    c.cmd(b"BDAT %d\r\n" % len(first) + first, 250)
    c.cmd(b"BDAT %d LAST\r\n" % len(rest) + rest, 250)
    c.cmd(b"QUIT\r\n", 221)
    try:
        while c.s.recv(4096):
            pass
    except OSError:
        pass
    c.s.close()


if __name__ == "__main__":
    main()
