#!/usr/bin/python3
"""make-big-capture.py - build a large pcap for mailtap memory/speed benchmarks.

Usage:
    make-big-capture.py OUT.pcap [--size-mb 320] [--seed N] [--concurrency K]
                        [--loss PCT] [--reorder PCT] [--replay-ratio F]
                        [--synthetic-mb MIN,MAX] [--ipv6 PCT]
                        [--linktype en10mb|sll|sll2|null|loop|raw]
                        [SRC.pcap ...]

Writes a classic pcap (little-endian, microseconds, default link type
EN10MB) of at least --size-mb MB (MB = 10^6 bytes), streaming it to disk.
It keeps K sessions (default 64) going at once, interleaved packet by
packet in random order, so the reassembler holds many flows; timestamps
increase monotonically.  Whenever a session ends a new one starts, until
the sessions started add up to the size (each session's size is known or
estimated when it starts); the last ones then run down, every session is
complete, and the file ends up at or a little over the size.

A new session is, with probability --replay-ratio (default 0.75, 0 when
no SRC is given), a copy of a TCP session read from the SRC pcaps (classic
pcap, any byte order / resolution; link types EN10MB (+VLAN), SLL, SLL2,
NULL, LOOP, RAW, IPV4, IPV6), else a synthetic session.

  replayed copy: the same packets in the same order with the same TCP
      sequence numbers, options and payload; each copy is a distinct flow:
      an IPv4 client gets a new address in 127.0.0.0/8 (127.1.0.1 up, never
      the server's), an IPv6 client keeps its address and gets a new port;
      the server side is kept.  The client is the sender of the SYN (else the
      side that is not on a mail port, else the higher port).  Non-TCP
      packets of the sources are ignored.
  synthetic: a POP3 (RETR), IMAP (FETCH BODY[] literal) or SMTP (DATA)
      session between a 127.x.y.z client (or [::1] with --ipv6 PCT percent
      of the time, default 10) and 127.0.0.1 / ::1 ports 110 / 143 / 25:
      handshake, a short protocol-correct dialog, one text message of a
      size drawn from --synthetic-mb (default 0.5,5) sent in 1448-byte
      segments (PSH on the last one of each message, a pure ACK every
      second segment), then FIN both ways.  Messages are RFC 5322-like text
      (headers, then lines from a seeded pool, some dot-stuffed).

Faults (both default 0, data packets only, never SYN/FIN/RST):
  --loss PCT     drop that percentage of data packets (sequence holes that
                 are never filled)
  --reorder PCT  hold that percentage of data packets back behind the next
                 1-3 packets of the same session (never across a FIN/RST)

All checksums and lengths are correct.  The output depends only on the
options, the seed and the SRC files.  A summary is printed at the end.
"""

import argparse
import os
import random
import struct
import sys
import time

FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10
M32 = 0xFFFFFFFF
MSS = 1448
MAIL_PORTS = {25, 110, 143, 465, 587, 993, 995, 2525, 1110, 1143}
DATA, CTL, BARRIER = 0, 1, 2

LINKTYPES = {"en10mb": 1, "sll": 113, "sll2": 276, "null": 0, "loop": 108, "raw": 101}
SRC_MAGICS = {
    b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",
    b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">",
}


def die(msg):
    sys.stderr.write("make-big-capture: %s\n" % msg)
    sys.exit(2)


# ------------------------------------------------------------ packets

def link_prefix(name, ver):
    et = b"\x08\x00" if ver == 4 else b"\x86\xdd"
    if name == "en10mb":
        return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01" + et
    if name == "sll":
        return struct.pack("!HHH", 0, 772, 6) + bytes(8) + et
    if name == "sll2":
        return et + b"\x00\x00" + struct.pack("!IHBB", 1, 772, 0, 6) + bytes(8)
    if name == "null":
        return struct.pack("<I", 2 if ver == 4 else 10)
    if name == "loop":
        return struct.pack(">I", 2 if ver == 4 else 10)
    return b""


def ip_tcp(ver, iph, src, dst, tcph, payload):
    """IP datagram from an IP header template (v4 with options, v6 with
    extension headers), addresses, a TCP header (checksum field ignored)
    and payload; lengths and checksums are computed."""
    tcplen = len(tcph) + len(payload)
    h = bytearray(tcph)
    h[16] = h[17] = 0
    s = (int.from_bytes(src + dst + b"\x00\x06" + h + payload +
                        (b"\0" if tcplen & 1 else b""), "big") + tcplen) % 0xFFFF
    c = 0xFFFF - s if s else 0
    h[16] = c >> 8
    h[17] = c & 0xFF
    ip = bytearray(iph)
    if ver == 4:
        ip[12:16] = src
        ip[16:20] = dst
        tot = len(ip) + tcplen
        ip[2] = tot >> 8
        ip[3] = tot & 0xFF
        ip[10] = ip[11] = 0
        s = int.from_bytes(ip, "big") % 0xFFFF
        c = 0xFFFF - s if s else 0
        ip[10] = c >> 8
        ip[11] = c & 0xFF
    else:
        ip[8:24] = src
        ip[24:40] = dst
        pl = len(ip) - 40 + tcplen
        ip[4] = pl >> 8
        ip[5] = pl & 0xFF
    return ip + h + payload


def kind_of(flags, payload):
    if flags & (SYN | FIN | RST):
        return BARRIER
    return DATA if payload else CTL


# ------------------------------------------------------------ sources

def l3(lt, d):
    """(offset of IP header) or None."""
    if lt == 1:
        off = 12
        while len(d) >= off + 2:
            et = (d[off] << 8) | d[off + 1]
            if et in (0x8100, 0x88A8, 0x9100):
                off += 4
                continue
            return off + 2 if et in (0x0800, 0x86DD) else None
        return None
    if lt == 113:
        return 16 if d[14:16] in (b"\x08\x00", b"\x86\xdd") else None
    if lt == 276:
        return 20 if d[0:2] in (b"\x08\x00", b"\x86\xdd") else None
    if lt in (0, 108):
        return 4
    if lt in (12, 14, 101, 228, 229):
        return 0
    return None


def parse_tcp(lt, d):
    off = l3(lt, d)
    if off is None or len(d) < off + 20:
        return None
    ver = d[off] >> 4
    if ver == 4:
        ihl = (d[off] & 15) * 4
        tot = (d[off + 2] << 8) | d[off + 3]
        if d[off + 9] != 6 or ihl < 20 or tot < ihl + 20 or off + tot > len(d):
            return None
        if ((d[off + 6] << 8) | d[off + 7]) & 0x3FFF:
            return None
        l4, end = off + ihl, off + tot
        src, dst = d[off + 12:off + 16], d[off + 16:off + 20]
    elif ver == 6:
        if len(d) < off + 40:
            return None
        plen = (d[off + 4] << 8) | d[off + 5]
        nh, l4 = d[off + 6], off + 40
        while nh in (0, 43, 60, 51):
            if len(d) < l4 + 2:
                return None
            hl = (d[l4 + 1] + 2) * 4 if nh == 51 else (d[l4 + 1] + 1) * 8
            nh, l4 = d[l4], l4 + hl
        end = off + 40 + plen
        if nh != 6 or plen == 0 or end > len(d):
            return None
        src, dst = d[off + 8:off + 24], d[off + 24:off + 40]
    else:
        return None
    if end < l4 + 20:
        return None
    doff = (d[l4 + 12] >> 4) * 4
    if doff < 20 or l4 + doff > end:
        return None
    sport = (d[l4] << 8) | d[l4 + 1]
    dport = (d[l4 + 2] << 8) | d[l4 + 3]
    return (ver, bytes(src), bytes(dst), sport, dport, bytes(d[off:l4]),
            bytes(d[l4:l4 + doff]), bytes(d[l4 + doff:end]))


class SrcSession:
    __slots__ = ("ver", "client", "cport", "server", "sport", "pkts", "nbytes", "origin")


def read_sources(paths):
    sessions = []
    for path in paths:
        try:
            f = open(path, "rb")
        except OSError as e:
            die(str(e))
        with f:
            hdr = f.read(24)
            if hdr[:4] not in SRC_MAGICS:
                die("%s: not a classic pcap file" % path)
            en = SRC_MAGICS[hdr[:4]]
            lt = struct.unpack(en + "I", hdr[20:24])[0] & 0xFFFF
            rec = struct.Struct(en + "IIII")
            current = {}   # connection key -> [packets, syn isn per side]
            order = []
            while True:
                h = f.read(16)
                if len(h) < 16:
                    break
                _, _, incl, _ = rec.unpack(h)
                d = f.read(incl)
                if len(d) < incl:
                    break
                t = parse_tcp(lt, d)
                if t is None:
                    continue
                ver, src, dst, sp, dp, iph, tcph, payload = t
                flags = tcph[13]
                key = (ver,) + tuple(sorted(((src, sp), (dst, dp))))
                conn = current.get(key)
                seq = int.from_bytes(tcph[4:8], "big")
                if (conn is not None and flags & SYN and not flags & ACK
                        and conn["syn"] not in (None, seq)):
                    conn = None  # port reuse: a new connection
                if conn is None:
                    conn = {"pkts": [], "syn": None, "client": None}
                    current[key] = conn
                    order.append(conn)
                if flags & SYN and not flags & ACK:
                    conn["syn"] = seq
                    conn["client"] = (src, sp)
                conn["pkts"].append((ver, src, sp, iph, tcph, payload, dst, dp))
            for conn in order:
                s = make_src_session(conn, path)
                if s is not None:
                    sessions.append(s)
    return sessions


def make_src_session(conn, path):
    pk = conn["pkts"]
    ver, a, ap = pk[0][0], pk[0][1], pk[0][2]
    other = None
    for p in pk:
        if (p[1], p[2]) != (a, ap):
            other = (p[1], p[2])
            break
    if other is None:  # one direction only: the destination of its packets
        other = (pk[0][6], pk[0][7])
    client = conn["client"]
    if client is None:
        if ap in MAIL_PORTS and other[1] not in MAIL_PORTS:
            client = other
        elif other[1] in MAIL_PORTS and ap not in MAIL_PORTS:
            client = (a, ap)
        else:
            client = (a, ap) if ap >= other[1] else other
    s = SrcSession()
    s.ver = ver
    s.client, s.cport = client
    if client == (a, ap):
        s.server, s.sport = other
    else:
        s.server, s.sport = a, ap
    s.pkts = [((p[1], p[2]) == client, p[3], p[4], p[5]) for p in pk]
    s.nbytes = sum(len(p[3]) + len(p[4]) + len(p[5]) + 16 for p in pk)  # + link
    s.origin = path
    return s


# ------------------------------------------------------------ sessions

class Endpoints:
    """Hands out distinct client addresses (IPv4) and ports (IPv6)."""

    def __init__(self):
        self.n4 = 0
        self.p6 = 0

    def v4(self):
        n = self.n4
        self.n4 += 1
        c = 1 + n % 254
        b = (n // 254) % 256
        a = 1 + (n // (254 * 256)) % 254
        return bytes((127, a, b, c))

    def v6port(self):
        p = 1024 + self.p6 % (65536 - 1024)
        self.p6 += 1
        return p


def replay(s, ep, link):
    """Frames of a replayed copy of source session s."""
    if s.ver == 4:
        client, cport = ep.v4(), s.cport
    else:
        client, cport = s.client, ep.v6port()
    prefix = link[s.ver]
    cp = cport.to_bytes(2, "big")
    sp = s.sport.to_bytes(2, "big")
    for from_client, iph, tcph, payload in s.pkts:
        h = bytearray(tcph)
        if from_client:
            h[0:2], h[2:4] = cp, sp
            ip = ip_tcp(s.ver, iph, client, s.server, h, payload)
        else:
            h[0:2], h[2:4] = sp, cp
            ip = ip_tcp(s.ver, iph, s.server, client, h, payload)
        yield prefix + ip, kind_of(tcph[13], payload), len(payload)


WORDS = ("the of and to a in is it you that he was for on are with as his they "
         "be at one have this from or had by hot word but what some we can out "
         "other were all there when up use your how said an each she which do "
         "their time if will way about many then them write would like so these "
         "her long make thing see him two has look more day could go come did "
         "number sound no most people my over know water than call first who may "
         "down side been now find any new work part take get place made live "
         "where after back little only round man year came show every good me "
         "give our under name very through just form sentence great think say "
         "mailbox server message invoice meeting report attached regards").split()


def line_pool(rng, n=4096):
    pool = []
    for i in range(n):
        k = rng.randint(0, 13)
        line = " ".join(rng.choice(WORDS) for _ in range(k))
        if i % 97 == 0:
            line = ".." + line  # a dot-stuffed line starting with "."
        elif i % 89 == 0:
            line = line.upper()
        pool.append(line.encode() + b"\r\n")
    return pool


def message_chunks(rng, pool, size, sess_no):
    """Yield an RFC 5322-ish text message of exactly `size` bytes in chunks."""
    head = ("Return-Path: <sender%d@example.test>\r\n"
            "Received: from client.example.test (localhost [127.0.0.1])\r\n"
            "\tby mx.example.test with ESMTP id %08X\r\n"
            "From: Sender %d <sender%d@example.test>\r\n"
            "To: User <user@example.test>\r\n"
            "Subject: benchmark message %d\r\n"
            "Date: Mon, 6 Jan 2025 10:%02d:%02d +0000\r\n"
            "Message-ID: <%d.%d@example.test>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n"
            "\r\n" % (sess_no, sess_no & 0xFFFFFFFF, sess_no, sess_no, sess_no,
                      sess_no // 60 % 60, sess_no % 60, sess_no, size)).encode()
    left = size - len(head)
    yield head
    avg = sum(len(x) for x in pool) // len(pool)
    while left > 256:
        n = min(1 + (min(left - 256, 65536) // avg), 2048)
        chunk = b"".join(rng.choices(pool, k=n))
        if len(chunk) > left - 256:
            chunk = chunk[:left - 256]
            cut = chunk.rfind(b"\r\n")
            chunk = chunk[:cut + 2] if cut >= 0 else b""
            if not chunk:
                break
        left -= len(chunk)
        yield chunk
    if left >= 2:
        yield b"x" * (left - 2) + b"\r\n"
    elif left == 1:
        yield b"\n"


class Synth:
    """Frames of one synthetic POP3 / IMAP / SMTP session."""

    def __init__(self, rng, pool, ep, link, sess_no, ipv6, size):
        self.rng = rng
        self.pool = pool
        self.no = sess_no
        self.size = max(size, 4096)
        self.proto = rng.choice(("pop3", "imap", "smtp"))
        port = {"pop3": 110, "imap": 143, "smtp": 25}[self.proto]
        if ipv6:
            self.ver = 6
            self.c = self.s = bytes(15) + b"\x01"
            self.cport = ep.v6port()
            iph = bytearray(struct.pack("!IHBB", 0x60000000 | (sess_no & 0xFFFFF), 0, 6, 64) + bytes(32))
        else:
            self.ver = 4
            self.c, self.s = ep.v4(), bytes((127, 0, 0, 1))
            self.cport = rng.randint(32768, 60999)
            iph = bytearray(struct.pack("!BBHHHBBH", 0x45, 0, 0, 0, 0x4000, 64, 6, 0) + bytes(8))
        self.iph = iph
        self.sport = port
        self.prefix = link[self.ver]
        self.nxt = {True: rng.getrandbits(32), False: rng.getrandbits(32)}
        self.ipid = {True: rng.getrandbits(16), False: rng.getrandbits(16)}
        self.unacked = 0

    def pkt(self, from_client, flags, payload=b"", opts=b""):
        seq = self.nxt[from_client]
        ack = self.nxt[not from_client] if flags & ACK else 0
        sp, dp = (self.cport, self.sport) if from_client else (self.sport, self.cport)
        tcph = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, (20 + len(opts)) << 2, flags,
                           502 if not flags & SYN else 65535, 0, 0) + opts
        if self.ver == 4:
            ident = self.ipid[from_client]
            self.ipid[from_client] = (ident + 1) & 0xFFFF
            self.iph[4] = ident >> 8
            self.iph[5] = ident & 0xFF
        src, dst = (self.c, self.s) if from_client else (self.s, self.c)
        self.nxt[from_client] = (seq + len(payload) + (1 if flags & (SYN | FIN) else 0)) & M32
        return self.prefix + ip_tcp(self.ver, self.iph, src, dst, tcph, payload), \
            kind_of(flags, payload), len(payload)

    def say(self, from_client, text):
        if isinstance(text, str):
            text = text.encode()
        for i in range(0, len(text), MSS):
            yield self.pkt(from_client, ACK | PSH, text[i:i + MSS])

    def bulk(self, from_client, chunks):
        """Send a stream of chunks in MSS segments; the peer ACKs every
        second segment."""
        buf = b""
        nseg = 0
        for chunk in chunks:
            if buf:
                chunk = buf + chunk
            i, n = 0, len(chunk)
            while n - i >= MSS:
                yield self.pkt(from_client, ACK, chunk[i:i + MSS])
                i += MSS
                nseg += 1
                if nseg % 2 == 0:
                    yield self.pkt(not from_client, ACK)
            buf = chunk[i:]
        if buf:
            yield self.pkt(from_client, ACK | PSH, buf)
            nseg += 1
        if nseg % 2:
            yield self.pkt(not from_client, ACK)

    def dot_stuffed(self, chunks):
        # the pool already contains dot-stuffed lines; only the terminator
        for c in chunks:
            yield c
        yield b".\r\n"

    def frames(self):
        C, S = True, False
        mss_opt = b"\x02\x04\x05\xb4\x04\x02\x01\x03\x03\x07"  # MSS, SACK ok, NOP, WS 7
        yield self.pkt(C, SYN, opts=mss_opt + b"\x00\x00")
        yield self.pkt(S, SYN | ACK, opts=mss_opt + b"\x00\x00")
        yield self.pkt(C, ACK)
        n, size = self.no, self.size
        msg = message_chunks(self.rng, self.pool, size, n)
        if self.proto == "pop3":
            yield from self.say(S, "+OK POP3 server ready <%d.%d@mx.example.test>\r\n" % (n, size))
            yield from self.say(C, "USER user%d\r\n" % n)
            yield from self.say(S, "+OK\r\n")
            yield from self.say(C, "PASS secret%d\r\n" % n)
            yield from self.say(S, "+OK maildrop has 1 message (%d octets)\r\n" % size)
            yield from self.say(C, "RETR 1\r\n")
            yield from self.bulk(S, self.dot_stuffed(
                _prepend(b"+OK %d octets\r\n" % size, msg)))
            yield from self.say(C, "QUIT\r\n")
            yield from self.say(S, "+OK bye\r\n")
            first_fin = S
        elif self.proto == "imap":
            yield from self.say(S, "* OK [CAPABILITY IMAP4rev1] IMAP server ready\r\n")
            yield from self.say(C, "a1 LOGIN user%d secret\r\n" % n)
            yield from self.say(S, "a1 OK LOGIN completed\r\n")
            yield from self.say(C, "a2 SELECT INBOX\r\n")
            yield from self.say(S, "* 1 EXISTS\r\n* 0 RECENT\r\n* FLAGS (\\Seen \\Deleted)\r\n"
                                   "* OK [UIDVALIDITY %d] UIDs valid\r\n"
                                   "a2 OK [READ-WRITE] SELECT completed\r\n" % (n + 1))
            yield from self.say(C, "a3 FETCH 1 BODY[]\r\n")
            yield from self.bulk(S, _append(
                _prepend(b"* 1 FETCH (BODY[] {%d}\r\n" % size, msg),
                b")\r\na3 OK FETCH completed\r\n"))
            yield from self.say(C, "a4 LOGOUT\r\n")
            yield from self.say(S, "* BYE logging out\r\na4 OK LOGOUT completed\r\n")
            first_fin = S
        else:
            yield from self.say(S, "220 mx.example.test ESMTP ready\r\n")
            yield from self.say(C, "EHLO client%d.example.test\r\n" % n)
            yield from self.say(S, "250-mx.example.test\r\n250-SIZE 100000000\r\n"
                                   "250-8BITMIME\r\n250 PIPELINING\r\n")
            yield from self.say(C, "MAIL FROM:<sender%d@example.test> SIZE=%d\r\n" % (n, size))
            yield from self.say(S, "250 2.1.0 OK\r\n")
            yield from self.say(C, "RCPT TO:<user@example.test>\r\n")
            yield from self.say(S, "250 2.1.5 OK\r\n")
            yield from self.say(C, "DATA\r\n")
            yield from self.say(S, "354 End data with <CR><LF>.<CR><LF>\r\n")
            yield from self.bulk(C, self.dot_stuffed(msg))
            yield from self.say(S, "250 2.0.0 OK queued as Q%d\r\n" % n)
            yield from self.say(C, "QUIT\r\n")
            yield from self.say(S, "221 2.0.0 bye\r\n")
            first_fin = C
        yield self.pkt(first_fin, FIN | ACK)
        yield self.pkt(not first_fin, FIN | ACK)
        yield self.pkt(first_fin, ACK)


def _prepend(head, chunks):
    yield head
    yield from chunks


def _append(chunks, tail):
    yield from chunks
    yield tail


def with_faults(frames, rng, loss, reorder, st):
    """Drop / delay data packets of one session (never across a barrier)."""
    held = []
    for frame, kind, n in frames:
        if kind == DATA:
            if loss and rng.random() < loss:
                st["dropped"] += 1
                st["dropped_bytes"] += n
                continue
            if reorder and rng.random() < reorder:
                held.append([rng.randint(1, 3), frame, kind, n])
                st["reordered"] += 1
                continue
        elif kind == BARRIER and held:
            for h in held:
                yield h[1], h[2], h[3]
            held = []
        yield frame, kind, n
        if held:
            keep = []
            for h in held:
                h[0] -= 1
                if h[0] <= 0:
                    yield h[1], h[2], h[3]
                else:
                    keep.append(h)
            held = keep
    for h in held:
        yield h[1], h[2], h[3]


# ------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(
        description="Build a large pcap of interleaved mail sessions for benchmarks.",
        epilog="See the docstring at the head of this file for details.")
    ap.add_argument("output")
    ap.add_argument("sources", nargs="*", metavar="SRC.pcap")
    ap.add_argument("--size-mb", type=float, default=320.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--loss", type=float, default=0.0, help="percent of data packets dropped")
    ap.add_argument("--reorder", type=float, default=0.0, help="percent of data packets delayed")
    ap.add_argument("--replay-ratio", type=float, default=None,
                    help="fraction of new sessions replayed from SRC (default 0.75)")
    ap.add_argument("--synthetic-mb", default="0.5,5",
                    help="min,max size of a synthetic message in MB (default 0.5,5)")
    ap.add_argument("--ipv6", type=float, default=10.0,
                    help="percent of synthetic sessions over ::1 (default 10)")
    ap.add_argument("--linktype", choices=sorted(LINKTYPES), default="en10mb")
    a = ap.parse_intermixed_args()
    try:
        smin, smax = (float(x) for x in a.synthetic_mb.split(","))
    except ValueError:
        die("--synthetic-mb wants MIN,MAX")
    if not 0 < smin <= smax:
        die("--synthetic-mb wants 0 < MIN <= MAX")
    if a.concurrency < 1 or a.concurrency > 60000:
        die("--concurrency must be 1..60000")
    if not (0 <= a.loss < 100 and 0 <= a.reorder < 100):
        die("--loss and --reorder are percentages below 100")
    ratio = a.replay_ratio if a.replay_ratio is not None else (0.75 if a.sources else 0.0)
    if not 0 <= ratio <= 1:
        die("--replay-ratio must be within 0..1")

    t_start = time.time()
    srcs = read_sources(a.sources)
    if a.sources and not srcs:
        die("no TCP session found in the source files")
    if not srcs:
        ratio = 0.0
    rng = random.Random(a.seed)
    pool = line_pool(random.Random(a.seed * 7919 + 1))
    link = {4: link_prefix(a.linktype, 4), 6: link_prefix(a.linktype, 6)}
    ep = Endpoints()
    target = int(a.size_mb * 1000000)
    loss, reorder = a.loss / 100.0, a.reorder / 100.0
    st = {"dropped": 0, "dropped_bytes": 0, "reordered": 0}
    counts = {"replay": 0, "pop3": 0, "imap": 0, "smtp": 0, "v6": 0}
    sess_no = 0

    committed = 24  # bytes the sessions started so far will write (estimate)

    def new_session():
        nonlocal sess_no, committed
        sess_no += 1
        srng = random.Random(rng.getrandbits(64))
        frng = random.Random(rng.getrandbits(64))  # faults do not change content
        if srcs and rng.random() < ratio:
            s = rng.choice(srcs)
            counts["replay"] += 1
            if s.ver == 6:
                counts["v6"] += 1
            frames = replay(s, ep, link)
            committed += s.nbytes + len(s.pkts) * len(link[s.ver])
        else:
            v6 = rng.random() * 100 < a.ipv6
            size = int(srng.uniform(smin, smax) * 1000000)
            sy = Synth(srng, pool, ep, link, sess_no, v6, size)
            counts[sy.proto] += 1
            if v6:
                counts["v6"] += 1
            frames = sy.frames()
            # headers of MSS segments and of an ACK every second segment
            hdr = 16 + len(link[sy.ver]) + (40 if v6 else 20) + 20
            committed += sy.size + (sy.size // MSS + 1) * hdr * 3 // 2 + 30 * hdr
        if loss or reorder:
            frames = with_faults(frames, frng, loss, reorder, st)
        return frames

    try:
        out = open(a.output, "wb")
    except OSError as e:
        die(str(e))
    ts = 1736157600 * 1000000  # 2025-01-06 10:00:00 UTC
    rec = struct.Struct("<IIII")
    npkts = 0
    payload_bytes = 0
    written = 24
    buf = []
    bufn = 0
    maxconc = 0
    with out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, LINKTYPES[a.linktype]))
        active = []
        while True:
            # keep K sessions going while the planned size is not reached
            # (and, should the estimate fall short, until the written size is)
            while len(active) < a.concurrency and (
                    committed < target or (not active and written + bufn < target)):
                active.append(new_session())
            if not active:
                break
            if len(active) > maxconc:
                maxconc = len(active)
            i = rng.randrange(len(active))
            try:
                frame, kind, n = next(active[i])
            except StopIteration:
                active[i] = active[-1]
                active.pop()
                continue
            ts += rng.randint(1, 30)
            ln = len(frame)
            buf.append(rec.pack(ts // 1000000, ts % 1000000, ln, ln))
            buf.append(frame)
            bufn += ln + 16
            npkts += 1
            payload_bytes += n
            if bufn >= 1 << 20:
                out.write(b"".join(buf))
                written += bufn
                buf = []
                bufn = 0
        out.write(b"".join(buf))
        written += bufn
    size = os.path.getsize(a.output)
    el = time.time() - t_start
    print("make-big-capture: wrote %s: %d bytes (%.1f MB), %d packets, %d TCP payload bytes"
          % (a.output, size, size / 1e6, npkts, payload_bytes))
    print("make-big-capture: %d sessions (%d replayed from %d source sessions, "
          "%d POP3 + %d IMAP + %d SMTP synthetic; %d over IPv6), up to %d at once"
          % (sess_no, counts["replay"], len(srcs), counts["pop3"], counts["imap"],
             counts["smtp"], counts["v6"], maxconc))
    print("make-big-capture: %d data packets dropped (%d bytes), %d delayed; "
          "capture time %.2f s; took %.1f s"
          % (st["dropped"], st["dropped_bytes"], st["reordered"],
             (ts - 1736157600 * 1000000) / 1e6, el))
    return 0


if __name__ == "__main__":
    sys.exit(main())
