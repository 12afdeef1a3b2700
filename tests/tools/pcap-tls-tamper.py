#!/usr/bin/env python3
"""pcap-tls-tamper.py - hostile variants of a TLS capture (one IPv4 TCP
session on Ethernet, classic pcap), for the tests of the TLS reader.

  pcap-tls-tamper.py IN OUT --server-text TEXT
      a segment from the server carrying TEXT (backslash escapes allowed,
      e.g. '* OK fake\\r\\n') just before the client's first data segment,
      as an injected banner would be; the server's later sequence numbers
      (and the client's acknowledgements) move on by its length
  pcap-tls-tamper.py IN OUT --hello-length N
      the ClientHello's handshake length (bytes 6-8 of the client's first
      data) set to N

IP header checksums are recomputed; TCP checksums are left as they are
(those of loopback captures are not valid to begin with).
"""
import argparse
import struct
import sys

M32 = 0xFFFFFFFF


def read_pcap(path):
    data = open(path, "rb").read()
    if data[:4] != b"\xd4\xc3\xb2\xa1":
        sys.exit("%s: not a little-endian microsecond pcap" % path)
    head, frames, off = data[:24], [], 24
    while off + 16 <= len(data):
        ts, tu, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        frames.append([ts, tu, bytearray(data[off + 16:off + 16 + incl])])
        off += 16 + incl
    return head, frames


def fields(f):
    """(ip offset, tcp offset, payload offset, src port, dst port) of an
    IPv4 TCP frame, or None."""
    if len(f) < 34 or f[12:14] != b"\x08\x00" or f[23] != 6:
        return None
    ihl = (f[14] & 15) * 4
    t = 14 + ihl
    doff = (f[t + 12] >> 4) * 4
    sport, dport = struct.unpack("!HH", f[t:t + 4])
    return 14, t, t + doff, sport, dport


def ip_checksum(f):
    ihl = (f[14] & 15) * 4
    f[24:26] = b"\0\0"
    s = sum(struct.unpack("!%dH" % (ihl // 2), bytes(f[14:14 + ihl])))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    f[24:26] = struct.pack("!H", ~s & 0xFFFF)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("input")
    ap.add_argument("output")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--server-text")
    g.add_argument("--hello-length", type=int)
    a = ap.parse_args()
    head, frames = read_pcap(a.input)
    syn = next(f for f in frames if fields(f[2]) and f[2][fields(f[2])[1] + 13] & 0x12 == 0x02)
    client_port = fields(syn[2])[3]
    first = next(i for i, f in enumerate(frames)
                 if fields(f[2]) and fields(f[2])[3] == client_port and len(f[2]) > fields(f[2])[2])
    cf = frames[first][2]
    _, t, p, sport, dport = fields(cf)
    if a.hello_length is not None:
        n = a.hello_length
        cf[p + 6:p + 9] = bytes([(n >> 16) & 255, (n >> 8) & 255, n & 255])
    else:
        text = a.server_text.encode().decode("unicode_escape").encode("latin-1")
        # The server's next sequence number: the client acknowledges it.
        seq = struct.unpack("!I", cf[t + 8:t + 12])[0]
        f = bytearray(cf[:p])
        f[0:6], f[6:12] = cf[6:12], cf[0:6]
        f[26:30], f[30:34] = cf[30:34], cf[26:30]
        f[t:t + 4] = struct.pack("!HH", dport, sport)
        f[t + 4:t + 8] = struct.pack("!I", seq)
        f[t + 8:t + 12] = cf[t + 4:t + 8]
        f[t + 13] = 0x18  # PSH ACK
        f += text
        f[16:18] = struct.pack("!H", len(f) - 14)
        ip_checksum(f)
        ts, tu = frames[first][0], frames[first][1]
        for fr in frames[first:]:
            x = fields(fr[2])
            if not x:
                continue
            _, tt, _, s, _ = x
            k = 8 if s == client_port else 4  # client: its ack; server: its seq
            if s == client_port and not fr[2][tt + 13] & 0x10:
                continue
            v = struct.unpack("!I", fr[2][tt + k:tt + k + 4])[0]
            fr[2][tt + k:tt + k + 4] = struct.pack("!I", (v + len(text)) & M32)
        frames.insert(first, [ts, tu, f])
    with open(a.output, "wb") as out:
        out.write(head)
        for ts, tu, f in frames:
            out.write(struct.pack("<IIII", ts, tu, len(f), len(f)))
            out.write(f)


if __name__ == "__main__":
    main()
