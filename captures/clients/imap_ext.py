#!/usr/bin/python3
"""Hand-written IMAP client (stdlib sockets and zlib) for the IMAP extension
captures of ../ext-scenarios.sh, against the real Dovecot server.

Modes:
  compress  a1 CAPABILITY, a2 LOGIN "user" "password" (in the clear), a3
            COMPRESS DEFLATE (RFC 4978); after a3's tagged OK everything is
            raw deflate (zlib wbits=-15) in both directions, each command
            flushed with Z_SYNC_FLUSH: a4 SELECT INBOX, a5 FETCH 1:* (BODY[]),
            a6 LOGOUT.  Checks that the server's bytes after the OK really
            are compressed (they do not inflate to themselves) and that the
            FETCH holds --expect-body TEXT.
  id        a1 ID ("name" "Thunderbird" "version" "115.6.0") as Thunderbird
            sends it (RFC 2971) right after the greeting, then a2 LOGIN
            "user" "password", a3 SELECT INBOX, a4 LOGOUT.  The server's
            "* ID (...)" answer must name Dovecot.
Exits non-zero if the login result is not what --expect says.
"""
import argparse
import sys
import zlib

from lineconn import LineConn


def quote(b):
    return b'"' + b.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


class Conn(LineConn):
    """LineConn with an optional deflate layer under the lines."""

    def __init__(self, host, port):
        super().__init__(host, port)
        self.comp = self.decomp = None
        self.raw_in = b""     # compressed bytes received, for the check

    def start_compress(self):
        if self.buf:
            raise SystemExit("uncompressed bytes after the COMPRESS OK: %r" % self.buf)
        self.comp = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        self.decomp = zlib.decompressobj(-15)

    def line(self):
        if self.decomp is None:
            return super().line()
        while b"\r\n" not in self.buf:
            d = self.s.recv(4096)
            if not d:
                raise SystemExit("connection closed by server")
            self.raw_in += d
            self.buf += self.decomp.decompress(d)
        l, self.buf = self.buf.split(b"\r\n", 1)
        sys.stderr.write("S(inflated): %r\n" % l[:200])
        return l

    def literal(self, n):
        while len(self.buf) < n:
            d = self.s.recv(4096)
            if not d:
                raise SystemExit("connection closed by server")
            self.raw_in += d
            self.buf += self.decomp.decompress(d) if self.decomp else d
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def send(self, data):
        if self.comp is None:
            return super().send(data)
        sys.stderr.write("C(deflated): %r\n" % data)
        self.s.sendall(self.comp.compress(data) + self.comp.flush(zlib.Z_SYNC_FLUSH))

    def until_tagged(self, tag):
        """Lines up to the tagged one; {n} literals are read whole and
        collected.  Returns (tagged line, literals); the untagged lines
        are kept in self.untagged."""
        lits = []
        self.untagged = []
        while True:
            l = self.line()
            self.untagged.append(l)
            if l.endswith(b"}") and b"{" in l:
                lits.append(self.literal(int(l[l.rindex(b"{") + 1:-1])))
                continue
            if l.startswith(tag + b" "):
                return l, lits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("mode", choices=["compress", "id"])
    ap.add_argument("user")
    ap.add_argument("password")
    ap.add_argument("--expect", choices=["ok", "fail"], default="ok")
    ap.add_argument("--expect-body", action="append", default=[])
    a = ap.parse_args()
    user, pw = a.user.encode(), a.password.encode()

    c = Conn(a.host, a.port)
    if not c.line().startswith(b"* OK"):
        raise SystemExit("bad greeting")
    if a.mode == "id":
        c.send(b'a1 ID ("name" "Thunderbird" "version" "115.6.0")\r\n')
        res, _ = c.until_tagged(b"a1")
        if not res.startswith(b"a1 OK"):
            raise SystemExit("ID refused: %r" % res)
        c.send(b"a2 LOGIN " + quote(user) + b" " + quote(pw) + b"\r\n")
        res, _ = c.until_tagged(b"a2")
        ok = res.startswith(b"a2 OK")
        if ok:
            c.send(b"a3 SELECT INBOX\r\n")
            c.until_tagged(b"a3")
        c.send(b"a4 LOGOUT\r\n")
        c.until_tagged(b"a4")
        c.wait_close()
    else:
        c.send(b"a1 CAPABILITY\r\n")
        c.until_tagged(b"a1")
        c.send(b"a2 LOGIN " + quote(user) + b" " + quote(pw) + b"\r\n")
        res, _ = c.until_tagged(b"a2")
        ok = res.startswith(b"a2 OK")
        if not ok:
            raise SystemExit("login failed: %r" % res)
        if not any(b"COMPRESS=DEFLATE" in l for l in c.untagged):
            raise SystemExit("no COMPRESS=DEFLATE after login: %r" % res)
        c.send(b"a3 COMPRESS DEFLATE\r\n")
        r, _ = c.until_tagged(b"a3")
        if not r.startswith(b"a3 OK"):
            raise SystemExit("COMPRESS refused: %r" % r)
        c.start_compress()
        c.send(b"a4 SELECT INBOX\r\n")
        c.until_tagged(b"a4")
        c.send(b"a5 FETCH 1:* (BODY[])\r\n")
        r, lits = c.until_tagged(b"a5")
        body = b"".join(lits)
        for t in a.expect_body:
            if t.encode() not in body:
                raise SystemExit("FETCH lacks %r" % t)
        c.send(b"a6 LOGOUT\r\n")
        c.until_tagged(b"a6")
        # the server closes: read the rest (its deflate stream ends there)
        try:
            while True:
                d = c.s.recv(4096)
                if not d:
                    break
                c.raw_in += d
        except OSError:
            pass
        c.s.close()
        if b"FETCH" in c.raw_in or b"LOGOUT" in c.raw_in or b"mallory" in c.raw_in:
            raise SystemExit("the server's bytes after COMPRESS are not compressed")
        sys.stderr.write("%d compressed bytes from the server\n" % len(c.raw_in))
    if ok != (a.expect == "ok"):
        raise SystemExit("unexpected login result: %r" % res)


if __name__ == "__main__":
    main()
