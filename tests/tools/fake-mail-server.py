#!/usr/bin/python3
"""fake-mail-server.py - minimal POP3 / IMAP / SMTP server for test captures.

Usage:
    fake-mail-server.py [--host 127.0.0.1] [--pop3 110] [--imap 143]
                        [--smtp 25] [--msg-size BYTES] [--seed N]
                        [--max-sessions N]

Speaks just enough of each protocol for curl's pop3:// imap:// smtp://
clients (and similar simple clients): any login succeeds, the mailbox holds
one deterministic message of about --msg-size bytes, SMTP accepts any mail.
Meant to run inside a private network namespace (see
make-test-captures.sh) on loopback addresses only.  Exits after
--max-sessions sessions in total (default: run until killed).
"""

import argparse
import random
import socket
import socketserver
import sys
import threading

WORDS = ("the quick brown fox jumps over lazy dog mail server client message "
         "header body line text data alpha beta gamma delta epsilon zeta eta "
         "theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon "
         ".dot ..twodots from: to: subject: =?utf-8?q?x?=").split()


def make_message(size, seed):
    rng = random.Random(seed)
    lines = ["From: Alice <alice@example.test>",
             "To: Bob <bob@example.test>",
             "Subject: test message %d" % seed,
             "Message-ID: <%d.%d@example.test>" % (seed, size),
             "MIME-Version: 1.0",
             "Content-Type: text/plain; charset=us-ascii",
             ""]
    n = sum(len(x) + 2 for x in lines)
    while n < size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 14)))
        if rng.random() < 0.02:
            line = "." + line  # needs dot-stuffing
        lines.append(line)
        n += len(line) + 2
    return ("\r\n".join(lines) + "\r\n").encode()


def dot_stuff(msg):
    out = []
    for line in msg.split(b"\r\n")[:-1]:
        out.append(b"." + line if line.startswith(b".") else line)
    return b"\r\n".join(out) + b"\r\n.\r\n"


class Base(socketserver.StreamRequestHandler):
    def send(self, text):
        if isinstance(text, str):
            text = text.encode()
        self.wfile.write(text)
        self.wfile.flush()

    def line(self):
        return self.rfile.readline(65536)

    def finish(self):
        super().finish()
        self.server.app.session_done()


class POP3(Base):
    def handle(self):
        msg = self.server.app.msg
        self.send("+OK fake POP3 ready\r\n")
        while True:
            ln = self.line()
            if not ln:
                return
            cmd = ln.split(b" ", 1)[0].strip().upper()
            if cmd == b"CAPA":
                self.send("+OK\r\nUSER\r\nUIDL\r\nTOP\r\n.\r\n")
            elif cmd in (b"USER", b"PASS", b"NOOP", b"DELE", b"RSET"):
                self.send("+OK\r\n")
            elif cmd == b"STAT":
                self.send("+OK 1 %d\r\n" % len(msg))
            elif cmd == b"LIST":
                if len(ln.split()) > 1:
                    self.send("+OK 1 %d\r\n" % len(msg))
                else:
                    self.send("+OK 1 messages\r\n1 %d\r\n.\r\n" % len(msg))
            elif cmd == b"UIDL":
                self.send("+OK\r\n1 msg-1\r\n.\r\n")
            elif cmd == b"RETR":
                self.send(b"+OK %d octets\r\n" % len(msg) + dot_stuff(msg))
            elif cmd == b"QUIT":
                self.send("+OK bye\r\n")
                return
            else:
                self.send("-ERR unknown command\r\n")


class IMAP(Base):
    def handle(self):
        msg = self.server.app.msg
        self.send("* OK fake IMAP4rev1 ready\r\n")
        while True:
            ln = self.line()
            if not ln:
                return
            parts = ln.strip().split(b" ")
            tag = parts[0]
            cmd = parts[1].upper() if len(parts) > 1 else b""
            if cmd == b"UID" and len(parts) > 2:
                cmd = parts[2].upper()
            if cmd == b"CAPABILITY":
                self.send(b"* CAPABILITY IMAP4rev1\r\n" + tag + b" OK done\r\n")
            elif cmd == b"LOGIN" or cmd == b"NOOP":
                self.send(tag + b" OK done\r\n")
            elif cmd in (b"SELECT", b"EXAMINE"):
                self.send(b"* 1 EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 1] ok\r\n"
                          b"* FLAGS (\\Seen)\r\n" + tag + b" OK [READ-WRITE] done\r\n")
            elif cmd == b"FETCH":
                self.send(b"* 1 FETCH (UID 1 BODY[] {%d}\r\n" % len(msg) + msg +
                          b")\r\n" + tag + b" OK FETCH completed\r\n")
            elif cmd == b"LOGOUT":
                self.send(b"* BYE logging out\r\n" + tag + b" OK done\r\n")
                return
            else:
                self.send(tag + b" BAD unknown command\r\n")


class SMTP(Base):
    def handle(self):
        self.send("220 fake.example.test ESMTP ready\r\n")
        while True:
            ln = self.line()
            if not ln:
                return
            cmd = ln[:4].upper()
            if cmd in (b"EHLO", b"HELO"):
                self.send("250-fake.example.test\r\n250-SIZE 100000000\r\n250 8BITMIME\r\n")
            elif cmd in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                self.send("250 OK\r\n")
            elif cmd == b"DATA":
                self.send("354 go ahead\r\n")
                n = 0
                while True:
                    d = self.line()
                    if not d or d == b".\r\n":
                        break
                    n += len(d)
                self.send("250 OK queued (%d bytes)\r\n" % n)
            elif cmd == b"QUIT":
                self.send("221 bye\r\n")
                return
            else:
                self.send("502 unknown command\r\n")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class App:
    def __init__(self, a):
        self.msg = make_message(a.msg_size, a.seed)
        self.left = a.max_sessions
        self.lock = threading.Lock()
        self.done = threading.Event()

    def session_done(self):
        with self.lock:
            if self.left is not None:
                self.left -= 1
                if self.left <= 0:
                    self.done.set()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--pop3", type=int, default=110)
    ap.add_argument("--imap", type=int, default=143)
    ap.add_argument("--smtp", type=int, default=25)
    ap.add_argument("--msg-size", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-sessions", type=int, default=None)
    a = ap.parse_args()
    app = App(a)
    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    servers = []
    for port, handler in ((a.pop3, POP3), (a.imap, IMAP), (a.smtp, SMTP)):
        if port <= 0:
            continue
        Server.address_family = fam
        s = Server((a.host, port), handler)
        s.app = app
        threading.Thread(target=s.serve_forever, daemon=True).start()
        servers.append(s)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    try:
        app.done.wait()
    except KeyboardInterrupt:
        pass
    for s in servers:
        s.shutdown()


if __name__ == "__main__":
    main()
