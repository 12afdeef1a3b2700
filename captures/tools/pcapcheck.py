#!/usr/bin/python3
"""Sanity-check one capture made by ../make-captures.sh (stdlib only).

  pcapcheck.py FILE [--has TEXT]... [--lacks TEXT]... [--one-segment TEXT]...
               [--allow-rst] [--keylog KEYS]

Checks that FILE is a classic pcap with Ethernet link type holding exactly
one TCP connection, with both SYNs, both FINs and no RST; then reassembles
each direction's payload (in sequence order, ignoring retransmissions) and
checks that every --has TEXT occurs in the client->server or server->client
stream and no --lacks TEXT occurs in either.  TEXT is matched as UTF-8
bytes.  Every --one-segment TEXT must occur inside the payload of a single
TCP segment (for the pipelining captures).  With --keylog, KEYS must be a
key log (SSLKEYLOGFILE format) for exactly the TLS ClientHellos the client
sent in FILE: every line's client random is one of theirs, and each has
the lines TLS 1.2 (CLIENT_RANDOM) or TLS 1.3 (the four traffic secrets)
needs.  Prints a one-line summary; exits 1 on any failure.
"""
import argparse
import re
import struct
import sys

TLS13_NEEDS = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
               "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"}
LABELS = TLS13_NEEDS | {"CLIENT_RANDOM", "CLIENT_EARLY_TRAFFIC_SECRET", "EXPORTER_SECRET",
                        "EARLY_EXPORTER_SECRET",
                        # OpenSSL 3.0 also logs the secrets after a KeyUpdate
                        "CLIENT_TRAFFIC_SECRET_N", "SERVER_TRAFFIC_SECRET_N"}


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


def check_keylog(path, c2s, errors):
    """The key log fits the ClientHellos (record type 22, handshake type 1)
    in the client's stream; returns how many lines it has."""
    randoms = set()
    for m in re.finditer(rb"\x16\x03[\x01-\x03](..)\x01(...)\x03[\x01-\x03]", c2s, re.S):
        if struct.unpack("!H", m.group(1))[0] == int.from_bytes(m.group(2), "big") + 4:
            randoms.add(c2s[m.end():m.end() + 32].hex())
    if not randoms:
        errors.append("no TLS ClientHello from the client")
    labels = {}
    n = 0
    with open(path, encoding="ascii") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            n += 1
            parts = line.split()
            if len(parts) != 3 or parts[0] not in LABELS or not re.fullmatch(r"[0-9a-f]{64}", parts[1]):
                errors.append("bad key log line %r" % line.strip())
            elif parts[1] not in randoms:
                errors.append("key log line for another connection: %s %s" % tuple(parts[:2]))
            else:
                labels.setdefault(parts[1], set()).add(parts[0])
    for r in randoms:
        got = labels.get(r, set())
        if "CLIENT_RANDOM" not in got and not TLS13_NEEDS <= got:
            errors.append("key log lacks the secrets of ClientHello %s..." % r[:16])
    return n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--has", action="append", default=[])
    ap.add_argument("--lacks", action="append", default=[])
    ap.add_argument("--one-segment", action="append", default=[])
    ap.add_argument("--keylog")
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
    keys = check_keylog(a.keylog, c2s, errors) if a.keylog else 0
    if errors:
        print("%s: FAIL: %s" % (a.file, "; ".join(errors)))
        sys.exit(1)
    print("%s: ok, client sent %d bytes, server sent %d bytes%s"
          % (a.file, len(c2s), len(s2c), ", key log of %d lines fits" % keys if keys else ""))


if __name__ == "__main__":
    main()
