#!/usr/bin/env python3
"""Packet times of a classic pcap file, for the --replay tests.

  pcap-time.py span FILE
      prints the seconds between the first and the last frame ("4.064216").
  pcap-time.py even IN OUT STEP
      copies IN to OUT with the frames STEP seconds apart, starting at the
      first frame's time: a capture that replays at an even pace.

Microsecond and nanosecond pcap, either byte order; pcapng is refused.
"""
import struct
import sys

MAGICS = {  # magic bytes: (byte order, units per second)
    b"\xd4\xc3\xb2\xa1": ("<", 1000000),
    b"\xa1\xb2\xc3\xd4": (">", 1000000),
    b"\x4d\x3c\xb2\xa1": ("<", 1000000000),
    b"\xa1\xb2\x3c\x4d": (">", 1000000000),
}


def frames(data):
    """(order, units, header, [(ts in units, record header end, record end)])"""
    if data[:4] not in MAGICS:
        raise ValueError("not a classic pcap file")
    order, units = MAGICS[data[:4]]
    out, off = [], 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(order + "IIII", data[off:off + 16])
        end = off + 16 + caplen
        if end > len(data):
            raise ValueError(f"frame at offset {off} is cut short")
        out.append((sec * units + frac, off, end))
        off = end
    if off != len(data):
        raise ValueError("trailing bytes after the last frame")
    return order, units, out


def main(argv):
    if len(argv) == 3 and argv[1] == "span":
        with open(argv[2], "rb") as f:
            _, units, fr = frames(f.read())
        if not fr:
            raise ValueError("no frames")
        print(f"{(fr[-1][0] - fr[0][0]) / units:.6f}")
        return 0
    if len(argv) == 5 and argv[1] == "even":
        with open(argv[2], "rb") as f:
            data = f.read()
        order, units, fr = frames(data)
        step = round(float(argv[4]) * units)
        out = bytearray(data[:24])
        for i, (ts, off, end) in enumerate(fr):
            t = fr[0][0] + i * step
            out += struct.pack(order + "II", t // units, t % units) + data[off + 8:end]
        with open(argv[3], "wb") as f:
            f.write(out)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (OSError, ValueError) as e:
        print(f"pcap-time.py: {e}", file=sys.stderr)
        sys.exit(1)
