#!/usr/bin/python3
"""Sanity-check one capture made by ../make-captures.sh (stdlib only).

  pcapcheck.py FILE [--has TEXT]... [--lacks TEXT]... [--one-segment TEXT]...
               [--allow-rst]

Checks that FILE is a classic pcap with Ethernet link type holding exactly
one TCP connection, with both SYNs, both FINs and no RST; then reassembles
each direction's payload (in sequence order, ignoring retransmissions) and
checks that every --has TEXT occurs in the client->server or server->client
stream and no --lacks TEXT occurs in either.  TEXT is matched as UTF-8
bytes.  Every --one-segment TEXT must occur inside the payload of a single
TCP segment (for the pipelining captures).  Prints a one-line summary;
exits 1 on any failure.
"""
import argparse
import struct
import sys


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic == b"\xd4\xc3\xb2\xa1":
        end = "<"
    elif magic == b"\xa1\xb2\xc3\xd4":
        end = ">"
    else:
        raise SystemExit("%s: not a classic microsecond pcap" % path)
    linktype = struct.unpack(end + "I", data[20:24])[0]
    if linktype != 1:
        raise SystemExit("%s: link type %d, expected 1 (Ethernet)" % (path, linktype))
    off = 24
    while off < len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl


def tcp_segments(path):
    for frame in packets(path):
        etype = struct.unpack("!H", frame[12:14])[0]
        ip = frame[14:]
        if etype == 0x0800:
            ihl = (ip[0] & 15) * 4
            total = struct.unpack("!H", ip[2:4])[0]
            if ip[9] != 6:
                continue
            src, dst = ip[12:16], ip[16:20]
            tcp = ip[ihl:total]
        elif etype == 0x86DD:
            if ip[6] != 6:
                continue
            plen = struct.unpack("!H", ip[4:6])[0]
            src, dst = ip[8:24], ip[24:40]
            tcp = ip[40:40 + plen]
        else:
            continue
        sport, dport, seq = struct.unpack("!HHI", tcp[:8])
        doff = (tcp[12] >> 4) * 4
        flags = tcp[13]
        yield (src, sport), (dst, dport), seq, flags, tcp[doff:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--has", action="append", default=[])
    ap.add_argument("--lacks", action="append", default=[])
    ap.add_argument("--one-segment", action="append", default=[])
    ap.add_argument("--allow-rst", action="store_true",
                    help="accept an RST instead of (or after) a FIN: at the "
                         "end of a TLS session a peer may close its socket "
                         "with the other side's close_notify still unread, "
                         "and the kernel then sends RST")
    a = ap.parse_args()

    errors = []
    syn = fin = rst = 0
    conns = set()
    client = None
    streams = {}
    isn = {}
    payloads = []
    for src, dst, seq, flags, payload in tcp_segments(a.file):
        conns.add(frozenset((src, dst)))
        if flags & 0x02:
            syn += 1
            isn[src] = seq + 1
            if not flags & 0x10:
                client = src
        if flags & 0x01:
            fin += 1
        if flags & 0x04:
            rst += 1
        if payload:
            payloads.append(payload)
        if payload and src in isn:
            rel = (seq - isn[src]) & 0xFFFFFFFF
            streams.setdefault(src, {})[rel] = payload
    if len(conns) != 1:
        errors.append("%d TCP connections, expected 1" % len(conns))
    if syn != 2:
        errors.append("%d SYN segments, expected 2" % syn)
    if a.allow_rst:
        if fin > 2 or rst > 2 or fin + rst == 0:
            errors.append("%d FIN and %d RST segments" % (fin, rst))
    else:
        if fin != 2:
            errors.append("%d FIN segments, expected 2" % fin)
        if rst:
            errors.append("%d RST segments" % rst)
    data = {}
    for ep, segs in streams.items():
        buf = bytearray()
        for rel in sorted(segs):
            p = segs[rel]
            if rel > len(buf):
                errors.append("gap in the stream of %r" % (ep,))
                break
            buf += p[len(buf) - rel:]   # drops any retransmitted prefix
        data[ep] = bytes(buf)
    c2s = data.get(client, b"")
    s2c = b"".join(v for k, v in data.items() if k != client)
    for t in a.has:
        if t.encode() not in c2s and t.encode() not in s2c:
            errors.append("missing %r" % t)
    for t in a.one_segment:
        if not any(t.encode() in p for p in payloads):
            errors.append("not in one segment: %r" % t)
    for t in a.lacks:
        if t.encode() in c2s or t.encode() in s2c:
            errors.append("unexpectedly present %r" % t)
    if errors:
        print("%s: FAIL: %s" % (a.file, "; ".join(errors)))
        sys.exit(1)
    print("%s: ok, client sent %d bytes, server sent %d bytes"
          % (a.file, len(c2s), len(s2c)))


if __name__ == "__main__":
    main()
