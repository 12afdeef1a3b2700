#!/usr/bin/env python3
"""merge-pcaps.py OUT IN... - merges classic pcap files of one link type
into OUT, packets in timestamp order (as mergecap does). Used by make demo
to show several real sessions at once."""
import struct
import sys

MAGICS = {b"\xd4\xc3\xb2\xa1": ("<", 1000), b"\xa1\xb2\xc3\xd4": (">", 1000),
          b"\x4d\x3c\xb2\xa1": ("<", 1), b"\xa1\xb2\x3c\x4d": (">", 1)}


def read(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        if hdr[:4] not in MAGICS:
            sys.exit("merge-pcaps: %s is not a classic pcap" % path)
        e, ns_per_unit = MAGICS[hdr[:4]]
        linktype = struct.unpack(e + "I", hdr[20:24])[0]
        out = []
        while True:
            h = f.read(16)
            if len(h) < 16:
                break
            sec, frac, incl, orig = struct.unpack(e + "IIII", h)
            data = f.read(incl)
            if len(data) < incl:
                break
            out.append((sec * 10**9 + frac * ns_per_unit, orig, data))
        return linktype, out


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    packets, linktypes = [], set()
    for path in argv[2:]:
        lt, pk = read(path)
        linktypes.add(lt)
        packets += pk
    if len(linktypes) != 1:
        sys.exit("merge-pcaps: the inputs have different link types %s" % sorted(linktypes))
    packets.sort(key=lambda p: p[0])
    with open(argv[1], "wb") as o:
        o.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktypes.pop()))
        for ns, orig, data in packets:
            o.write(struct.pack("<IIII", ns // 10**9, ns % 10**9 // 1000, len(data), orig) + data)
    sys.stderr.write("merge-pcaps: %d packets from %d files\n" % (len(packets), len(argv) - 2))


if __name__ == "__main__":
    main(sys.argv)
