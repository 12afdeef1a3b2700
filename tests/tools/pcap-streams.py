#!/usr/bin/python3
"""pcap-streams.py - print a digest of every TCP stream in a pcap.

Usage:
    pcap-streams.py IN.pcap [--check] [--delivery] [--dump DIR]

A deliberately simple reference reassembler, independent of pcap-mangle.py
and of mailtap: it collects every (seq, bytes) of a direction and places the
bytes by offset from ISN+1 (or, without a SYN, from the lowest sequence
number seen), first copy wins.  For every direction of every connection it
prints one line (sorted, so two outputs can be compared with diff):

    4 127.0.0.1:40000 > 127.0.0.1:8000 #0 len=1234 sha256=... holes=0 conflicts=0 after_fin=0

  #N         index of the stream on that address/port pair (a new SYN with
             another ISN starts a new stream)
  holes      bytes never seen below the highest byte seen
  conflicts  bytes seen more than once with different values
  after_fin  bytes seen at or beyond the FIN's sequence number

RST payloads are ignored.  Link types: EN10MB (+VLAN tags), LINUX_SLL,
LINUX_SLL2, NULL, LOOP, RAW, IPV4, IPV6; classic pcap, any byte order,
micro- or nanoseconds.

--check     also verify IPv4 header and TCP checksums and that timestamps
            never go backwards; report on stderr, exit status 1 on failure
--delivery  also print, per connection, a digest of the order in which an
            in-order reassembler would deliver data (runs of
            (direction, byte count) as contiguous data becomes available)
--dump DIR  write each stream's bytes to DIR/<line-key>.bin
"""

import hashlib
import ipaddress
import os
import struct
import sys

M32 = 1 << 32


def fail(msg):
    sys.stderr.write("pcap-streams: %s\n" % msg)
    sys.exit(2)


def csum_ok(data):
    """Classic 16-bit ones' complement sum; True if the sum is 0xFFFF."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total == 0xFFFF


def ip_of(linktype, frame):
    """Return the IP datagram inside a frame, or None."""
    if linktype == 1:
        i = 12
        while len(frame) >= i + 2:
            ethertype = struct.unpack_from("!H", frame, i)[0]
            if ethertype in (0x8100, 0x88A8, 0x9100, 0x9200):
                i += 4
                continue
            return frame[i + 2:] if ethertype in (0x0800, 0x86DD) else None
        return None
    if linktype == 113:
        if len(frame) < 16 or frame[14:16] not in (b"\x08\x00", b"\x86\xdd"):
            return None
        return frame[16:]
    if linktype == 276:
        if len(frame) < 20 or frame[0:2] not in (b"\x08\x00", b"\x86\xdd"):
            return None
        return frame[20:]
    if linktype in (0, 108):
        return frame[4:]
    if linktype in (12, 14, 101, 228, 229):
        return frame
    return None


def tcp_of(ip):
    """Return (version, src, dst, tcp segment, pseudo header) or None."""
    if len(ip) < 20:
        return None
    version = ip[0] >> 4
    if version == 4:
        ihl = (ip[0] & 15) * 4
        total = struct.unpack_from("!H", ip, 2)[0]
        if ip[9] != 6 or total > len(ip) or ihl < 20:
            return None
        if struct.unpack_from("!H", ip, 6)[0] & 0x3FFF:
            return None
        seg = ip[ihl:total]
        src, dst = ip[12:16], ip[16:20]
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(seg))
        return 4, src, dst, seg, pseudo, ip[:ihl]
    if version == 6:
        if len(ip) < 40:
            return None
        plen = struct.unpack_from("!H", ip, 4)[0]
        if 40 + plen > len(ip):
            return None
        nxt, pos = ip[6], 40
        while nxt in (0, 43, 51, 60):
            if pos + 2 > len(ip):
                return None
            hdr_len = (ip[pos + 1] + 2) * 4 if nxt == 51 else (ip[pos + 1] + 1) * 8
            nxt = ip[pos]
            pos += hdr_len
        if nxt != 6:
            return None
        seg = ip[pos:40 + plen]
        src, dst = ip[8:24], ip[24:40]
        pseudo = src + dst + struct.pack("!IxxxB", len(seg), 6)
        return 6, src, dst, seg, pseudo, None
    return None


def addr_str(version, a):
    if version == 4:
        return ".".join(str(b) for b in a)
    return str(ipaddress.IPv6Address(bytes(a)))


class Stream:
    def __init__(self, key, index):
        self.key = key
        self.index = index
        self.isn = None
        self.segments = []   # (arrival, seq, data)
        self.fin = None
        self.base = None

    def assemble(self):
        if self.isn is not None:
            base = (self.isn + 1) % M32
        elif self.segments:
            first = self.segments[0][1]
            rel = [((s - first + (M32 >> 1)) % M32) - (M32 >> 1) for _, s, _ in self.segments]
            base = (first + min(rel)) % M32
        else:
            base = 0
        self.base = base
        spans = []
        end = 0
        for arrival, seq, data in self.segments:
            off = ((seq - base + (M32 >> 1)) % M32) - (M32 >> 1)
            if off < 0:
                data = data[-off:]
                off = 0
            spans.append((arrival, off, data))
            end = max(end, off + len(data))
        self.spans = spans
        buf = bytearray(end)
        have = bytearray(end)
        conflicts = 0
        for _, off, data in spans:
            n = len(data)
            if not n:
                continue
            part = have[off:off + n]
            if part.find(1) < 0:
                buf[off:off + n] = data
                have[off:off + n] = b"\x01" * n
            elif part.find(0) < 0:
                if buf[off:off + n] != data:
                    conflicts += sum(1 for x, y in zip(buf[off:off + n], data) if x != y)
            else:
                for i in range(n):
                    if have[off + i]:
                        conflicts += buf[off + i] != data[i]
                    else:
                        buf[off + i] = data[i]
                        have[off + i] = 1
        self.data = bytes(buf)
        self.holes = have.count(0)
        self.conflicts = conflicts
        after_fin = 0
        if self.fin is not None:
            fin_off = ((self.fin - base + (M32 >> 1)) % M32) - (M32 >> 1)
            after_fin = max(0, end - max(fin_off, 0))
        self.after_fin = after_fin

    def name(self):
        version, src, sport, dst, dport = self.key
        return "%d %s:%d > %s:%d #%d" % (version, addr_str(version, src), sport,
                                        addr_str(version, dst), dport, self.index)


def read_pcap(path):
    with open(path, "rb") as f:
        header = f.read(24)
        if len(header) < 24:
            fail("%s: too short for a pcap file" % path)
        magic = header[:4]
        if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
            endian = "<"
        elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
            endian = ">"
        else:
            fail("%s: not a classic pcap file" % path)
        nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
        linktype = struct.unpack(endian + "I", header[20:24])[0] & 0xFFFF
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            sec, frac, caplen, _ = struct.unpack(endian + "IIII", rec)
            frame = f.read(caplen)
            if len(frame) < caplen:
                break
            yield linktype, sec * (10 ** 9) + (frac if nano else frac * 1000), frame


def main():
    args = sys.argv[1:]
    check = "--check" in args
    delivery = "--delivery" in args
    dump = None
    if "--dump" in args:
        i = args.index("--dump")
        dump = args[i + 1]
        del args[i:i + 2]
    paths = [a for a in args if not a.startswith("--")]
    if len(paths) != 1 or any(a not in ("--check", "--delivery") for a in args if a.startswith("--")):
        sys.stderr.write(__doc__)
        sys.exit(2)

    current = {}     # direction key -> Stream
    counts = {}      # direction key -> streams so far
    streams = []
    bad_ip = bad_tcp = backwards = packets = tcp_packets = 0
    last_ts = None
    for arrival, (linktype, ts, frame) in enumerate(read_pcap(paths[0])):
        packets += 1
        if last_ts is not None and ts < last_ts:
            backwards += 1
        last_ts = ts
        ip = ip_of(linktype, frame)
        parsed = tcp_of(ip) if ip is not None else None
        if parsed is None:
            continue
        version, src, dst, seg, pseudo, ip_header = parsed
        if len(seg) < 20 or (seg[12] >> 4) * 4 > len(seg) or (seg[12] >> 4) < 5:
            continue
        tcp_packets += 1
        if check:
            if ip_header is not None and not csum_ok(ip_header):
                bad_ip += 1
            if not csum_ok(pseudo + seg):
                bad_tcp += 1
        sport, dport, seq = struct.unpack_from("!HHI", seg, 0)
        flags = seg[13]
        payload = seg[(seg[12] >> 4) * 4:]
        key = (version, src, sport, dst, dport)
        st = current.get(key)
        if flags & 0x02:  # SYN
            if st is None or (st.isn != seq and (st.isn is not None or st.segments)):
                st = Stream(key, counts.get(key, 0))
                counts[key] = st.index + 1
                current[key] = st
                streams.append(st)
            st.isn = seq
            if payload:
                st.segments.append((arrival, (seq + 1) % M32, payload))
            continue
        if st is None:
            st = Stream(key, counts.get(key, 0))
            counts[key] = st.index + 1
            current[key] = st
            streams.append(st)
        if flags & 0x04:  # RST: payload ignored
            continue
        if payload:
            st.segments.append((arrival, seq, payload))
        if flags & 0x01 and st.fin is None:
            st.fin = (seq + len(payload)) % M32

    lines = []
    for st in streams:
        st.assemble()
        lines.append("%s len=%d sha256=%s holes=%d conflicts=%d after_fin=%d" % (
            st.name(), len(st.data), hashlib.sha256(st.data).hexdigest(),
            st.holes, st.conflicts, st.after_fin))
        if dump:
            os.makedirs(dump, exist_ok=True)
            fn = st.name().replace(" > ", "-").replace(" ", "_").replace(":", ".")
            with open(os.path.join(dump, fn + ".bin"), "wb") as f:
                f.write(st.data)
    for line in sorted(lines):
        print(line)

    if delivery:
        # connection = unordered pair of endpoints; replay arrivals in order
        events = []
        for st in streams:
            for arrival, off, data in st.spans:
                events.append((arrival, st, off, len(data)))
        events.sort(key=lambda e: e[0])
        state = {}
        runs = {}
        for _, st, off, n in events:
            s = state.get(st)
            if s is None:
                s = state[st] = [0, bytearray(len(st.data))]
            s[1][off:off + n] = b"\x01" * n
            nxt = s[1].find(0, s[0])
            if nxt < 0:
                nxt = len(s[1])
            if nxt > s[0]:
                v, a, ap, b, bp = st.key
                conn = (v,) + min((a, ap), (b, bp)) + max((a, ap), (b, bp))
                r = runs.setdefault(conn, [])
                who = (st.key, st.index)
                if r and r[-1][0] == who:
                    r[-1][1] += nxt - s[0]
                else:
                    r.append([who, nxt - s[0]])
                s[0] = nxt
        out = []
        for conn, r in runs.items():
            v = conn[0]
            text = ";".join("%s:%d#%d:%d" % (addr_str(v, w[0][1]), w[0][2], w[1], n) for w, n in r)
            out.append("delivery %d %s:%d - %s:%d runs=%d sha256=%s" % (
                v, addr_str(v, conn[1]), conn[2], addr_str(v, conn[3]), conn[4],
                len(r), hashlib.sha256(text.encode()).hexdigest()))
        for line in sorted(out):
            print(line)

    sys.stderr.write("pcap-streams: %d packets, %d TCP, %d streams\n" % (
        packets, tcp_packets, len(streams)))
    if check:
        sys.stderr.write("pcap-streams: check: bad_ip_cksum=%d bad_tcp_cksum=%d "
                         "ts_backwards=%d\n" % (bad_ip, bad_tcp, backwards))
        if bad_ip or bad_tcp or backwards:
            sys.exit(1)


if __name__ == "__main__":
    main()
