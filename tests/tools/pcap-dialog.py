#!/usr/bin/env python3
"""pcap-dialog.py - write one TCP session, turn by turn, as a classic pcap
(Ethernet, IPv4, 10.0.0.1:40000 -> 10.0.0.2:PORT), for crafted tests.

  pcap-dialog.py OUT.pcap [--port 143] TURN...

Each TURN is C:TEXT (client to server) or S:TEXT, TEXT with Python
backslash escapes (\\r\\n, \\x1b, \\\\); C@FILE / S@FILE take the bytes of
FILE. A turn is sent in segments of at most --mss bytes (default 1448),
each acknowledged. For out-of-order and overlapping segments: C~OFF:TEXT
sends one segment with TEXT at stream offset OFF of that side (0 is its
first byte) without moving on, and C!OFF moves that side's next byte to
OFF (after sending the pieces of a range with ~). The session opens with a three-way handshake and ends
with FIN both ways. Checksums are correct; timestamps step by 1 ms.
"""
import argparse
import struct
import sys

CLIENT, SERVER = (bytes([10, 0, 0, 1]), 40000), (bytes([10, 0, 0, 2]), 143)


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, dst, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", src[1], dst[1], seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4,
                      flags, 65535, 0, 0)
    pseudo = src[0] + dst[0] + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
    c = checksum(pseudo + tcp + payload)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6,
                     0, src[0], dst[0])
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return b"\0" * 12 + b"\x08\x00" + ip + tcp + payload


def write_pcap(path, frames):
    """Classic pcap, microseconds, Ethernet; a frame a microsecond apart."""
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for i, f in enumerate(frames):
            out.write(struct.pack("<IIII", 1767225600 + i // 1000000, i % 1000000, len(f),
                                  len(f)))
            out.write(f)


def turn_bytes(t):
    side, how, text = t[0], t[1], t[2:]
    if side not in "CS" or how not in ":@~!":
        sys.exit("pcap-dialog: a turn is C:TEXT, S:TEXT, C@FILE or S@FILE: %r" % t)
    if how == "@":
        with open(text, "rb") as f:
            return side, f.read()
    if how == "!":
        return side, int(text)
    if how == "~":
        off, _, text = text.partition(":")
        return side, (int(off), text.encode("latin-1").decode("unicode_escape").encode("latin-1"))
    return side, text.encode("latin-1").decode("unicode_escape").encode("latin-1")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("output")
    ap.add_argument("--port", type=int, default=143)
    ap.add_argument("--mss", type=int, default=1448)
    ap.add_argument("turns", nargs="+")
    a = ap.parse_args()
    server = (SERVER[0], a.port)
    frames = []
    seq = {"C": 1000, "S": 5000}
    ends = {"C": (CLIENT, server), "S": (server, CLIENT)}
    frames.append(frame(CLIENT, server, seq["C"] - 1, 0, 0x02))
    frames.append(frame(server, CLIENT, seq["S"] - 1, seq["C"], 0x12))
    frames.append(frame(CLIENT, server, seq["C"], seq["S"], 0x10))
    first = {"C": seq["C"], "S": seq["S"]}
    for t in a.turns:
        side, data = turn_bytes(t)
        other = "S" if side == "C" else "C"
        src, dst = ends[side]
        if isinstance(data, int):  # C!OFF
            seq[side] = (first[side] + data) & 0xFFFFFFFF
            continue
        if isinstance(data, tuple):  # C~OFF:TEXT
            off, piece = data
            frames.append(frame(src, dst, (first[side] + off) & 0xFFFFFFFF, seq[other], 0x18,
                                piece))
            continue
        for i in range(0, len(data), a.mss):
            piece = data[i:i + a.mss]
            frames.append(frame(src, dst, seq[side], seq[other], 0x18, piece))
            seq[side] = (seq[side] + len(piece)) & 0xFFFFFFFF
            frames.append(frame(dst, src, seq[other], seq[side], 0x10))
    for side in "CS":
        other = "S" if side == "C" else "C"
        src, dst = ends[side]
        frames.append(frame(src, dst, seq[side], seq[other], 0x11))
        seq[side] += 1
    frames.append(frame(CLIENT, server, seq["C"], seq["S"], 0x10))
    write_pcap(a.output, frames)


if __name__ == "__main__":
    main()
