#!/usr/bin/python3
"""Sanity-check a capture of ../ext-scenarios.sh that pcapcheck.py cannot
(stdlib only; reads the packets with pcapcheck.py's reader).

  streamcheck.py FILE [--conns N] [--has TEXT]... [--lacks TEXT]...
                 [--deflate-after C2S-TEXT S2C-TEXT] [--has-inflated TEXT]...
                 [--count TEXT N]... [--allow-rst]

Every TCP connection in FILE must run from SYN to FIN without RST (--conns:
exactly N connections, default 1).  Each direction of each connection is
reassembled; --has TEXT must occur in some stream, --lacks TEXT in none;
--count TEXT N: TEXT occurs N times over all streams (e.g. one
"+OK Logged in." in a burst of 21 logins).  --allow-rst: a connection may
end with an RST (TLS sessions do), but must still have both SYNs.

--deflate-after C2S-TEXT S2C-TEXT (COMPRESS=DEFLATE, RFC 4978): the client's
bytes after the end of the line holding C2S-TEXT and the server's bytes after
the end of the line holding S2C-TEXT must each be one raw deflate stream
(wbits -15) that inflates with no error; the inflated text must hold every
--has-inflated TEXT, and neither compressed stream may itself contain any
--has-inflated TEXT (so both sides really did compress).  Prints a one-line
summary; exits 1 on any failure.
"""
import argparse
import os
import sys
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapcheck import tcp_segments   # noqa: E402


def connections(path, errors, allow_rst=False):
    conns = {}
    for src, dst, seq, flags, payload in tcp_segments(path):
        key = frozenset((src, dst))
        c = conns.setdefault(key, {"syn": 0, "fin": 0, "rst": 0, "isn": {}, "segs": {},
                                   "client": None})
        if flags & 0x02:
            c["syn"] += 1
            c["isn"][src] = seq + 1
            if not flags & 0x10:
                c["client"] = src
        if flags & 0x01:
            c["fin"] += 1
        if flags & 0x04:
            c["rst"] += 1
        if payload and src in c["isn"]:
            rel = (seq - c["isn"][src]) & 0xFFFFFFFF
            c["segs"].setdefault(src, {})[rel] = payload
    out = []
    for key, c in conns.items():
        name = "%s:%d" % (".".join(map(str, c["client"][0])) if c["client"] else "?",
                          c["client"][1] if c["client"] else 0)
        if c["syn"] != 2 or (not allow_rst and (c["fin"] != 2 or c["rst"])) \
                or (allow_rst and c["fin"] + c["rst"] == 0):
            errors.append("connection %s: %d SYN, %d FIN, %d RST" % (name, c["syn"], c["fin"], c["rst"]))
        data = {}
        for ep, segs in c["segs"].items():
            buf = bytearray()
            for rel in sorted(segs):
                p = segs[rel]
                if rel > len(buf):
                    errors.append("gap in the stream of %r" % (ep,))
                    break
                buf += p[len(buf) - rel:]
            data[ep] = bytes(buf)
        c2s = data.get(c["client"], b"")
        s2c = b"".join(v for k, v in data.items() if k != c["client"])
        out.append((c2s, s2c))
    return out


def after_line(stream, text):
    i = stream.find(text)
    if i < 0:
        return None
    j = stream.find(b"\r\n", i)
    return None if j < 0 else stream[j + 2:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--conns", type=int, default=1)
    ap.add_argument("--has", action="append", default=[])
    ap.add_argument("--lacks", action="append", default=[])
    ap.add_argument("--count", nargs=2, action="append", default=[])
    ap.add_argument("--deflate-after", nargs=2)
    ap.add_argument("--has-inflated", action="append", default=[])
    ap.add_argument("--allow-rst", action="store_true",
                    help="a connection may end with RST instead of the second FIN (TLS)")
    a = ap.parse_args()
    errors = []
    conns = connections(a.file, errors, a.allow_rst)
    if len(conns) != a.conns:
        errors.append("%d TCP connections, expected %d" % (len(conns), a.conns))
    streams = [s for pair in conns for s in pair]
    for t in a.has:
        if not any(t.encode() in s for s in streams):
            errors.append("missing %r" % t)
    for t in a.lacks:
        if any(t.encode() in s for s in streams):
            errors.append("unexpectedly present %r" % t)
    for t, n in a.count:
        got = sum(s.count(t.encode()) for s in streams)
        if got != int(n):
            errors.append("%r occurs %d times, expected %s" % (t, got, n))
    inflated_total = 0
    if a.deflate_after:
        texts = []
        for c2s, s2c in conns:
            for stream, marker, who in ((c2s, a.deflate_after[0], "client"),
                                        (s2c, a.deflate_after[1], "server")):
                rest = after_line(stream, marker.encode())
                if rest is None:
                    errors.append("no line %r from the %s" % (marker, who))
                    continue
                d = zlib.decompressobj(-15)
                try:
                    plain = d.decompress(rest) + d.flush()
                except zlib.error as e:
                    errors.append("%s's bytes after %r do not inflate: %s" % (who, marker, e))
                    continue
                if d.unused_data:
                    errors.append("%d %s bytes after the end of the deflate stream"
                                  % (len(d.unused_data), who))
                for t in a.has_inflated:
                    if t.encode() in rest:
                        errors.append("%r readable in the %s's compressed bytes" % (t, who))
                inflated_total += len(plain)
                texts.append(plain)
        for t in a.has_inflated:
            if not any(t.encode() in p for p in texts):
                errors.append("not in the inflated data: %r" % t)
    if errors:
        print("%s: FAIL: %s" % (a.file, "; ".join(errors)))
        sys.exit(1)
    print("%s: ok, %d connection(s), %d bytes%s" % (
        a.file, len(conns), sum(len(s) for s in streams),
        ", %d bytes inflated" % inflated_total if a.deflate_after else ""))


if __name__ == "__main__":
    main()
