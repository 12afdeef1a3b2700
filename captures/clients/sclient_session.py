#!/usr/bin/python3
"""Drive `openssl s_client` over its standard input through one IMAP, POP3
or SMTP session, the way a person types into it.

Used by ../make-captures.sh (tls-scenarios.sh).  s_client does the TLS (and,
with --starttls, the STARTTLS exchange itself: -starttls imap/pop3/smtp);
this script writes the protocol commands, each one only after the answer to
the one before has come out of s_client's standard output.

  sclient_session.py HOST PORT PROTO MODE USER PASSWORD [options]
                     [-- EXTRA-S_CLIENT-ARGS...]

PROTO is imap, pop3 or smtp.  MODE:
  login     IMAP  a1 LOGIN user "password"
            POP3  USER user / PASS password
            SMTP  AUTH LOGIN, then base64 user and password after each 334
  plain     IMAP  a1 AUTHENTICATE PLAIN <base64> (SASL-IR)
            POP3 / SMTP  AUTH PLAIN <base64> (initial response)
  cram-md5  AUTHENTICATE CRAM-MD5 / AUTH CRAM-MD5, the response computed here
Then: IMAP a2 SELECT INBOX, a3 FETCH N (BODY.PEEK[]) with --fetch N,
a4 LOGOUT; POP3 STAT (RETR N with --retr N), QUIT; SMTP QUIT.

Options:
  --starttls        -starttls PROTO (SMTP: -name client.example.test); then
                    SMTP sends EHLO again inside TLS
  --keylog FILE     s_client -keylogfile FILE
  --keyupdate       IMAP: after the greeting, a0 CAPABILITY, then a line "K"
                    (s_client sends a TLS 1.3 KeyUpdate asking the server to
                    update too), then the login.  Only then are s_client's
                    command letters left on; otherwise -nocommands is given,
                    so that no line (QUIT, RCPT, ...) is taken for one
  --reused yes|no   s_client must report the session as Reused / New
  --expect ok|fail  whether the login must succeed
  --clear           no TLS and no s_client: the same dialogue over a plain
                    TCP socket (for a cleartext twin of a TLS session)
Exit status 0 means "behaved as expected".  The negotiated protocol and
cipher are printed on standard error.
"""
import argparse
import base64
import hashlib
import hmac
import re
import socket
import subprocess
import sys
import threading
import time


class Stream:
    """What the server (or s_client) writes, collected by a thread; expect()
    waits until a regular expression matches after the last match."""

    def __init__(self):
        self.buf = b""
        self.eof = False
        self.total = 0
        self.cv = threading.Condition()

    def feed(self, data):
        with self.cv:
            if data:
                self.buf += data
                self.total += len(data)
            else:
                self.eof = True
            self.cv.notify_all()

    def expect(self, regex, timeout=60):
        r = re.compile(regex.encode() if isinstance(regex, str) else regex,
                       re.M | re.S)
        end = time.monotonic() + timeout
        scan = 0
        with self.cv:
            while True:
                m = r.search(self.buf, scan)
                if m:
                    self.buf = self.buf[m.end():]
                    return m
                # keep only a tail that a match could still start in, so a
                # long answer (a big FETCH) is not searched over and over
                cut = max(0, len(self.buf) - 4096)
                cut = self.buf.rfind(b"\n", 0, cut) + 1 if cut else 0
                self.buf = self.buf[cut:]
                scan = max(0, len(self.buf) - 4096)
                left = end - time.monotonic()
                if self.eof or left <= 0:
                    raise SystemExit("no %r from the server (%s); last: %r"
                                     % (regex, "closed" if self.eof else "timeout",
                                        self.buf[-300:]))
                self.cv.wait(left)


def pump(f, stream):
    while True:
        d = f.read1(1 << 16) if hasattr(f, "read1") else f.recv(1 << 16)
        stream.feed(d)
        if not d:
            return


class SClient:
    def __init__(self, argv):
        sys.stderr.write("run: %s\n" % " ".join(argv))
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.out = Stream()
        threading.Thread(target=pump, args=(self.p.stdout, self.out), daemon=True).start()

    def handshake(self, want_reused):
        # TLS 1.2: an SSL-Session block (with "Protocol  : TLSv1.2") follows;
        # the version on the first line is the cipher's, not the session's
        m = self.out.expect(r"^(New|Reused), (\S+), Cipher is (\S+)\n(.*?)^---\n")
        v = re.search(rb"Protocol *: (\S+)", m.group(4))
        sys.stderr.write("negotiated: %s %s, %s\n" % ((v or m).group(v and 1 or 2).decode(),
                         m.group(3).decode(), m.group(1).decode()))
        if want_reused and (m.group(1) == b"Reused") != (want_reused == "yes"):
            raise SystemExit("session is %s, wanted reused=%s"
                             % (m.group(1).decode(), want_reused))

    def send(self, text):
        sys.stderr.write("C: %r\n" % text)
        self.p.stdin.write(text.encode())
        self.p.stdin.flush()

    def close(self):
        self.p.stdin.close()    # end of input: s_client closes the connection
        rc = self.p.wait(timeout=30)
        if rc != 0:
            raise SystemExit("s_client exit status %d" % rc)


class Plain(SClient):
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port), timeout=60)
        self.out = Stream()
        threading.Thread(target=pump, args=(self.s, self.out), daemon=True).start()

    def handshake(self, want_reused):
        pass

    def send(self, text):
        sys.stderr.write("C: %r\n" % text)
        self.s.sendall(text.encode())

    def close(self):
        end = time.monotonic() + 30
        while not self.out.eof and time.monotonic() < end:
            time.sleep(0.05)    # the server closes first, after LOGOUT/QUIT
        self.s.close()


def b64(s):
    return base64.b64encode(s.encode() if isinstance(s, str) else s).decode()


def cram(user, password, challenge_b64):
    chal = base64.b64decode(challenge_b64)
    return b64("%s %s" % (user, hmac.new(password.encode(), chal, hashlib.md5).hexdigest()))


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def talk(c, line, answer, timeout=60):
    """Send one line, wait for the answer (a regular expression)."""
    c.send(line)
    return c.out.expect(answer, timeout)


def sasl(c, a, command, cont):
    """PLAIN with an initial response, or CRAM-MD5: COMMAND is what comes
    before the mechanism name, CONT the server's continuation prefix."""
    if a.mode == "plain":
        c.send("%s PLAIN %s\r\n" % (command, b64("\0%s\0%s" % (a.user, a.password))))
    else:
        m = talk(c, "%s CRAM-MD5\r\n" % command, r"^%s(\S+)\r\n" % re.escape(cont))
        c.send(cram(a.user, a.password, m.group(1)) + "\r\n")


def login(c, a, own, command, cont, result, good):
    """Mode login: own() sends the protocol's own commands; otherwise SASL
    (see sasl).  True when the server's answer, group 1 of the regular
    expression RESULT, is GOOD."""
    if a.mode == "login":
        own()
    else:
        sasl(c, a, command, cont)
    return c.out.expect(result).group(1) == good


def imap(c, a):
    if not a.starttls:
        c.out.expect(r"^\* OK .*?\r\n")
    if a.keyupdate:
        talk(c, "a0 CAPABILITY\r\n", r"^a0 OK .*?\r\n")
        time.sleep(0.3)
        c.send("K\n")
        time.sleep(0.5)         # s_client sends the KeyUpdate at once; the
                                # server's own goes before its next answer
    ok = login(c, a, lambda: c.send("a1 LOGIN %s %s\r\n" % (a.user, quote(a.password))),
               "a1 AUTHENTICATE", "+ ", r"^a1 (OK|NO|BAD)[ \r]", b"OK")
    if ok:
        talk(c, "a2 SELECT INBOX\r\n", r"^a2 OK .*?\r\n")
        if a.fetch:
            talk(c, "a3 FETCH %d (BODY.PEEK[])\r\n" % a.fetch, r"^a3 OK .*?\r\n", 600)
    talk(c, "a4 LOGOUT\r\n", r"^a4 OK .*?\r\n")
    return ok


def pop3(c, a):
    if not a.starttls:
        c.out.expect(r"^\+OK .*?\r\n")
    def user_pass():
        talk(c, "USER %s\r\n" % a.user, r"^\+OK.*?\r\n")
        c.send("PASS %s\r\n" % a.password)
    ok = login(c, a, user_pass, "AUTH", "+ ", r"^(\+OK|-ERR)[ \r]", b"+OK")
    if ok:
        talk(c, "STAT\r\n", r"^\+OK .*?\r\n")
        if a.retr:
            talk(c, "RETR %d\r\n" % a.retr, r"^\+OK .*?\r\n")
            c.out.expect(r"^\.\r\n")
    talk(c, "QUIT\r\n", r"^\+OK .*?\r\n")
    return ok


def smtp(c, a):
    if not a.starttls:
        c.out.expect(r"^220 .*?\r\n")
    talk(c, "EHLO client.example.test\r\n", r"^250 .*?\r\n")
    def auth_login():
        talk(c, "AUTH LOGIN\r\n", r"^334 VXNlcm5hbWU6\r\n")
        talk(c, b64(a.user) + "\r\n", r"^334 UGFzc3dvcmQ6\r\n")
        c.send(b64(a.password) + "\r\n")
    ok = login(c, a, auth_login, "AUTH", "334 ", r"^(235|535) .*?\r\n", b"235")
    talk(c, "QUIT\r\n", r"^221 .*?\r\n")
    return ok


def main():
    argv = sys.argv[1:]
    extra = []
    if "--" in argv:
        i = argv.index("--")
        argv, extra = argv[:i], argv[i + 1:]
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("proto", choices=["imap", "pop3", "smtp"])
    ap.add_argument("mode", choices=["login", "plain", "cram-md5"])
    ap.add_argument("user")
    ap.add_argument("password")
    ap.add_argument("--starttls", action="store_true")
    ap.add_argument("--keylog")
    ap.add_argument("--keyupdate", action="store_true")
    ap.add_argument("--reused", choices=["yes", "no"])
    ap.add_argument("--expect", choices=["ok", "fail"], default="ok")
    ap.add_argument("--fetch", type=int)
    ap.add_argument("--retr", type=int)
    ap.add_argument("--clear", action="store_true")
    a = ap.parse_args(argv)

    if a.clear:
        c = Plain(a.host, a.port)
    else:
        cmd = ["openssl", "s_client", "-connect", "%s:%d" % (a.host, a.port),
               "-servername", "mail.example.test"]
        if a.starttls:
            cmd += ["-starttls", a.proto]
            if a.proto == "smtp":
                cmd += ["-name", "client.example.test"]
        if a.keylog:
            cmd += ["-keylogfile", a.keylog]
        if not a.keyupdate:
            cmd += ["-nocommands"]
        c = SClient(cmd + extra)
    c.handshake(a.reused)
    ok = {"imap": imap, "pop3": pop3, "smtp": smtp}[a.proto](c, a)
    c.close()
    sys.stderr.write("login %s; received %d bytes\n" % ("ok" if ok else "refused", c.out.total))
    if ok != (a.expect == "ok"):
        raise SystemExit("unexpected login result: %s" % ("ok" if ok else "fail"))


if __name__ == "__main__":
    main()
