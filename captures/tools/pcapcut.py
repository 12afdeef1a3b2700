#!/usr/bin/python3
"""Cut the start off a capture (stdlib only), so that it begins in the middle
of a session, as when a capture is started on a connection already open.

  pcapcut.py IN OUT (--from-client TEXT | --skip N)

IN is a classic pcap of one TCP connection (as made by ../make-captures.sh).
--from-client TEXT: every packet before the first client-to-server segment
whose payload holds TEXT is dropped (the handshake, the greeting, the
capability exchange ...); that segment and everything after it are kept
unchanged, byte for byte, with their original timestamps.  --skip N drops
the first N packets instead.  The client is the side that sent the SYN.
Prints how many packets were dropped and kept; exits 1 if TEXT is not found.
"""
import argparse
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapcheck import tcp_segments   # noqa: E402


def records(data):
    end = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
    off = 24
    while off < len(data):
        incl = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        yield data[off:off + 16 + incl]
        off += 16 + incl


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("infile")
    ap.add_argument("outfile")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--from-client")
    g.add_argument("--skip", type=int)
    a = ap.parse_args()
    with open(a.infile, "rb") as f:
        data = f.read()
    recs = list(records(data))
    segs = list(tcp_segments(a.infile))
    if len(segs) != len(recs):
        raise SystemExit("%s: not only TCP packets" % a.infile)
    if a.skip is not None:
        cut = a.skip
    else:
        client = next((s[0] for s in segs if s[3] & 0x02 and not s[3] & 0x10), None)
        want = a.from_client.encode()
        cut = next((i for i, s in enumerate(segs) if s[0] == client and want in s[4]), None)
        if cut is None:
            print("%s: no client segment holds %r" % (a.infile, a.from_client))
            sys.exit(1)
    with open(a.outfile, "wb") as f:
        f.write(data[:24])
        for r in recs[cut:]:
            f.write(r)
    print("%s: dropped the first %d packets, kept %d" % (a.outfile, cut, len(recs) - cut))


if __name__ == "__main__":
    main()
