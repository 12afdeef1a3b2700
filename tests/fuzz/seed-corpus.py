#!/usr/bin/env python3
"""Turns pcap files into fuzz_pipeline inputs: link type byte, then
[flags][2-byte length][frame] records (groups of 24 frames per input)."""
import struct
import sys

LINKS = {1: 0, 113: 1, 276: 2, 0: 3, 108: 4, 101: 5, 12: 5, 228: 6, 229: 7}


def frames(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return None, []
    magic = data[:4]
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    link = struct.unpack(endian + "I", data[20:24])[0]
    out, off = [], 24
    while off + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        out.append(data[off + 16:off + 16 + caplen])
        off += 16 + caplen
    return link, out


def main():
    outdir, paths = sys.argv[1], sys.argv[2:]
    n = 0
    for path in paths:
        link, fr = frames(path)
        if link not in LINKS:
            continue
        for start in range(0, len(fr), 24):
            blob = bytes([LINKS[link]])
            for frame in fr[start:start + 24]:
                blob += bytes([1]) + struct.pack(">H", len(frame)) + frame
            with open(f"{outdir}/seed-{n:04d}", "wb") as f:
                f.write(blob)
            n += 1
    print(f"seed-corpus: {n} inputs")


if __name__ == "__main__":
    main()
