#!/usr/bin/python3
"""pcap-mangle.py - re-deliver the TCP streams of a pcap adversarially.

Usage:
    pcap-mangle.py IN.pcap OUT.pcap [--seed N] [--window W] [--min-piece A]
                   [--max-piece B] [--dup P] [--overlap P] [--cross-direction]
                   [--ack-unseen] [--max-delay SEC] [--ts-step TICKS] [-q]

Reads a classic pcap (either byte order, micro- or nanosecond magic) and
writes a pcap with the same header (same link type) whose TCP streams carry
exactly the same bytes, delivered in a way meant to stress a TCP reassembler:

  * every TCP payload is cut into pieces of A..B bytes (default 1..3), each
    piece its own packet with the right sequence number;
  * some pieces are sent twice (exact retransmissions, --dup) and extra
    segments are added that overlap neighbouring pieces from either side
    (--overlap), including bytes of the previous segment; every extra
    carries the SAME bytes as the original stream, so first-copy-wins and
    last-copy-wins reassembly give the same result;
  * pieces of one direction are shuffled inside a sliding window of W
    pieces (default 12; no piece is held back for more than ~2W pieces).

Ordering guarantees (so a correct reassembler rebuilds identical streams):
  * a SYN / SYN-ACK / RST / FIN packet is a barrier for its connection: all
    data pieces of both directions that came before it in the input are
    written before it, and none that came after it is written before it;
    a FIN that carries data is cut too, the FIN rides on the last piece;
  * by default data never crosses a data packet of the other direction
    (request/response interleaving is kept; --cross-direction lifts that);
  * by default a packet never acknowledges data that has not been written
    yet (pending pieces are flushed first; --ack-unseen lifts that);
  * pending pieces are flushed when their connection has been silent for
    --max-delay seconds of capture time (default 0.5), so idle timeouts of
    the analyzer are not triggered by the mangling.

Every TCP packet written gets fresh IPv4 total length / header checksum,
IPv6 payload length and TCP checksum.  Timestamps are non-decreasing (each
written packet is TICKS, default 1 us or 1 ns, after the previous one, never
before its input packet).  Non-TCP packets, IP fragments and packets whose
TCP segment was truncated by the snap length are copied unchanged.  Ethernet
padding / trailers after the IP datagram are dropped from rewritten packets.

Link types: EN10MB (incl. 802.1Q / 802.1ad / QinQ tags), LINUX_SLL (113),
LINUX_SLL2 (276), NULL (0), LOOP (108), RAW (12, 14, 101), IPV4 (228),
IPV6 (229).  IPv4 with options; IPv6 with hop-by-hop / routing /
destination-options / AH extension headers before TCP.

Output is deterministic for a given input and --seed.  A summary goes to
stderr unless -q.
"""

import argparse
import collections
import random
import struct
import sys

FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
M32 = 0xFFFFFFFF

MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", False),
    b"\xa1\xb2\xc3\xd4": (">", False),
    b"\x4d\x3c\xb2\xa1": ("<", True),
    b"\xa1\xb2\x3c\x4d": (">", True),
}

VLAN_TPIDS = (0x8100, 0x88A8, 0x9100, 0x9200)
IPV6_EXT = (0, 43, 60, 51)  # hop-by-hop, routing, destination options, AH


def die(msg):
    sys.stderr.write("pcap-mangle: %s\n" % msg)
    sys.exit(2)


# ---------------------------------------------------------------- parsing

def l3_start(lt, d):
    """Return (offset of the IP header, IP version) or None."""
    n = len(d)
    if lt == 1:  # EN10MB
        off = 12
        while True:
            if n < off + 2:
                return None
            et = (d[off] << 8) | d[off + 1]
            if et in VLAN_TPIDS:
                off += 4
                continue
            off += 2
            break
        if et == 0x0800:
            return off, 4
        if et == 0x86DD:
            return off, 6
        return None
    if lt == 113:  # LINUX_SLL
        if n < 16:
            return None
        et = (d[14] << 8) | d[15]
        off = 16
    elif lt == 276:  # LINUX_SLL2
        if n < 20:
            return None
        et = (d[0] << 8) | d[1]
        off = 20
    elif lt in (0, 108):  # NULL / LOOP: 4-byte address family
        if n < 5:
            return None
        v = d[4] >> 4
        return (4, v) if v in (4, 6) else None
    elif lt in (12, 14, 101):  # RAW
        if n < 1:
            return None
        v = d[0] >> 4
        return (0, v) if v in (4, 6) else None
    elif lt == 228:
        return (0, 4)
    elif lt == 229:
        return (0, 6)
    else:
        return None
    if et == 0x0800:
        return off, 4
    if et == 0x86DD:
        return off, 6
    return None


class Pkt:
    """A parsed TCP packet (headers are kept as bytes for rebuilding)."""
    __slots__ = ("ver", "prefix", "iph", "tcph", "payload", "pseudo",
                 "src", "dst", "sport", "dport", "seq", "ack", "flags",
                 "truncated")


def parse(lt, d):
    """Parse a frame; return Pkt or None if it is not a (whole) TCP segment.

    A TCP segment truncated by the snap length is returned with
    truncated=True (only the addressing fields are valid then)."""
    r = l3_start(lt, d)
    if r is None:
        return None
    off, ver = r
    n = len(d)
    if ver == 4:
        if n < off + 20 or d[off] >> 4 != 4:
            return None
        ihl = (d[off] & 15) * 4
        tot = (d[off + 2] << 8) | d[off + 3]
        if ihl < 20 or tot < ihl + 20 or d[off + 9] != 6:
            return None
        if ((d[off + 6] << 8) | d[off + 7]) & 0x3FFF:  # MF or fragment offset
            return None
        if n < off + ihl + 20:
            return None
        l4 = off + ihl
        end = off + tot
        src = d[off + 12:off + 16]
        dst = d[off + 16:off + 20]
    else:
        if n < off + 40 or d[off] >> 4 != 6:
            return None
        plen = (d[off + 4] << 8) | d[off + 5]
        if plen == 0:  # jumbogram or bogus
            return None
        nh = d[off + 6]
        l4 = off + 40
        while nh in IPV6_EXT:
            if n < l4 + 2:
                return None
            hl = (d[l4 + 1] + 2) * 4 if nh == 51 else (d[l4 + 1] + 1) * 8
            nh = d[l4]
            l4 += hl
        if nh != 6 or n < l4 + 20:
            return None
        end = off + 40 + plen
        if end < l4 + 20:
            return None
        src = d[off + 8:off + 24]
        dst = d[off + 24:off + 40]
    p = Pkt()
    p.ver = ver
    p.src = bytes(src)
    p.dst = bytes(dst)
    p.sport = (d[l4] << 8) | d[l4 + 1]
    p.dport = (d[l4 + 2] << 8) | d[l4 + 3]
    doff = (d[l4 + 12] >> 4) * 4
    if doff < 20 or l4 + doff > end:
        return None
    p.truncated = end > n
    if p.truncated:
        return p
    p.prefix = bytes(d[:off])
    p.iph = bytes(d[off:l4])
    p.tcph = bytes(d[l4:l4 + doff])
    p.payload = bytes(d[l4 + doff:end])
    p.seq = int.from_bytes(d[l4 + 4:l4 + 8], "big")
    p.ack = int.from_bytes(d[l4 + 8:l4 + 12], "big")
    p.flags = d[l4 + 13]
    # pseudo header minus the length (added as an integer when summing)
    p.pseudo = p.src + p.dst + b"\x00\x06"
    return p


def build(p, seq, flags, payload):
    """Rebuild frame p with another seq / flags / payload, fixing lengths
    and checksums.  Ones' complement sums use int % 0xFFFF (2^16 == 1)."""
    h = bytearray(p.tcph)
    h[4:8] = seq.to_bytes(4, "big")
    h[13] = flags
    h[16] = h[17] = 0
    if not flags & URG:
        h[18] = h[19] = 0
    tcplen = len(h) + len(payload)
    s = (int.from_bytes(p.pseudo + h + payload + (b"\0" if tcplen & 1 else b""),
                        "big") + tcplen) % 0xFFFF
    c = 0xFFFF - s if s else 0
    h[16] = c >> 8
    h[17] = c & 0xFF
    ip = bytearray(p.iph)
    if p.ver == 4:
        tot = len(ip) + tcplen
        ip[2] = tot >> 8
        ip[3] = tot & 0xFF
        ip[10] = ip[11] = 0
        s = int.from_bytes(ip, "big") % 0xFFFF
        c = 0xFFFF - s if s else 0
        ip[10] = c >> 8
        ip[11] = c & 0xFF
    else:
        pl = len(ip) - 40 + tcplen
        ip[4] = pl >> 8
        ip[5] = pl & 0xFF
    return p.prefix + ip + h + payload


# ---------------------------------------------------------------- pcap I/O

class Writer:
    def __init__(self, f, header, endian, nsec, step):
        self.f = f
        self.rec = struct.Struct(endian + "IIII")
        self.res = 1000000000 if nsec else 1000000
        self.step = step
        self.last = None
        self.buf = []
        self.count = 0
        f.write(header)

    def write(self, frame, ts, orig_len=None):
        """Write frame no earlier than ts (ticks) and after the previous."""
        if self.last is None or ts > self.last:
            t = ts
        else:
            t = self.last + self.step
        self.last = t
        sec, frac = divmod(t, self.res)
        n = len(frame)
        self.buf.append(self.rec.pack(sec & M32, frac, n,
                                      n if orig_len is None else orig_len))
        self.buf.append(frame)
        self.count += 1
        if len(self.buf) >= 8192:
            self.f.write(b"".join(self.buf))
            self.buf = []

    def close(self):
        self.f.write(b"".join(self.buf))
        self.buf = []


def read_records(f, endian):
    rec = struct.Struct(endian + "IIII")
    size = rec.size
    while True:
        h = f.read(size)
        if len(h) < size:
            if h:
                sys.stderr.write("pcap-mangle: warning: truncated record header at end\n")
            return
        sec, frac, incl, orig = rec.unpack(h)
        if incl > 0x4000000:
            die("record with caplen %d: corrupt file?" % incl)
        d = f.read(incl)
        if len(d) < incl:
            sys.stderr.write("pcap-mangle: warning: truncated record at end\n")
            return
        yield sec, frac, orig, d


# ---------------------------------------------------------------- mangling

def seq_lt(a, b):
    return ((a - b) & M32) > 0x7FFFFFFF


class Conn:
    __slots__ = ("bufs", "pushes", "hi", "tails", "pending")

    def __init__(self):
        self.bufs = ([], [])       # pending items per direction
        self.pushes = [0, 0]       # items ever pushed per direction
        self.hi = [-1, -1]         # highest push index written per direction
        self.tails = [None, None]  # (end seq, last bytes) per direction
        self.pending = False


class Mangler:
    def __init__(self, args, writer, res):
        self.a = args
        self.w = writer
        self.rng = random.Random(args.seed)
        self.res = res
        self.conns = {}
        self.pending = collections.OrderedDict()  # conn -> capture time
        self.now = 0
        self.st = collections.Counter()

    # -- emission helpers
    def emit(self, p, seq, flags, payload):
        self.w.write(build(p, seq, flags, payload), self.now)
        self.st["out_tcp"] += 1

    def emit_item(self, c, d, entry):
        k, item = entry
        if k < c.hi[d]:
            self.st["late"] += 1  # a piece pushed after it went out first
        else:
            c.hi[d] = k
        self.emit(*item)

    def push(self, c, d, item):
        buf = c.bufs[d]
        buf.append((c.pushes[d], item))
        c.pushes[d] += 1
        if not c.pending:
            c.pending = True
            self.pending[c] = self.now
        w = self.a.window
        rng = self.rng
        while len(buf) >= w:
            if c.pushes[d] - buf[0][0] > 2 * w:
                i = 0
            else:
                i = rng.randrange(len(buf))
            self.emit_item(c, d, buf.pop(i))

    def flush_dir(self, c, d):
        buf = c.bufs[d]
        if not buf:
            return
        if len(buf) > 1:
            self.rng.shuffle(buf)
        for entry in buf:
            self.emit_item(c, d, entry)
        buf.clear()
        if c.pending and not c.bufs[1 - d]:
            c.pending = False
            del self.pending[c]

    def flush(self, c):
        self.flush_dir(c, 0)
        self.flush_dir(c, 1)

    def flush_idle(self):
        limit = self.now - self.a.max_delay_ticks
        pend = self.pending
        while pend:
            c, t = next(iter(pend.items()))
            if t >= limit:
                break
            self.flush(c)
            if c in pend:  # cannot happen; never loop forever
                c.pending = False
                del pend[c]

    def finish(self):
        for c in list(self.pending):
            self.flush(c)

    # -- one input packet
    def packet(self, p):
        st = self.st
        a, b = (p.src, p.sport), (p.dst, p.dport)
        if a <= b:
            key, d = (p.ver, a, b), 0
        else:
            key, d = (p.ver, b, a), 1
        c = self.conns.get(key)
        if c is None:
            c = self.conns[key] = Conn()
        if p.truncated:
            self.flush(c)
            c.tails = [None, None]
            return False  # caller copies it unchanged
        st["in_tcp"] += 1
        f = p.flags
        if f & (SYN | RST):
            self.flush(c)
            c.tails = [None, None]
            self.emit(p, p.seq, f, p.payload)
            st["barriers"] += 1
            return True
        o = 1 - d
        pay = p.payload
        if c.bufs[o]:
            if pay and not self.a.cross_direction:
                self.flush_dir(c, o)
            elif f & ACK and not self.a.ack_unseen:
                ack = p.ack
                for _, it in c.bufs[o]:
                    if seq_lt(it[1], ack):
                        self.flush_dir(c, o)
                        break
        if not pay:
            if f & FIN:
                self.flush(c)
                c.tails = [None, None]
                st["barriers"] += 1
            self.emit(p, p.seq, f, pay)
            return True
        self.data(p, c, d)
        return True

    def data(self, p, c, d):
        a, rng, st = self.a, self.rng, self.st
        pay, seq, f = p.payload, p.seq, p.flags
        n = len(pay)
        st["in_data"] += 1
        st["data_bytes"] += n
        base_flags = f & ~(FIN | URG | PSH)
        # cut into pieces
        cuts = []
        pos = 0
        lo, hi = a.min_piece, a.max_piece
        while pos < n:
            k = rng.randint(lo, hi)
            if pos + k > n:
                k = n - pos
            cuts.append((pos, pos + k))
            pos += k
        # bytes of the stream known just before this segment (same epoch)
        tail = c.tails[d]
        if tail is not None and tail[0] == seq:
            known = tail[1] + pay
            koff = len(tail[1])
        else:
            known = pay
            koff = 0
        kseq = (seq - koff) & M32
        fin = f & FIN
        last = len(cuts) - 1
        for i, (s, e) in enumerate(cuts):
            if not (fin and i == last):  # the FIN piece goes out last, below
                self.push(c, d, (p, (seq + s) & M32, base_flags, pay[s:e]))
                st["pieces"] += 1
            # extras right after their piece, so that they land in the same
            # window: they may go out before or after the pieces they cover
            if rng.random() < a.dup:
                self.push(c, d, (p, (seq + s) & M32, base_flags, pay[s:e]))
                st["dups"] += 1
            if rng.random() < a.overlap:
                big = rng.random() < 0.1
                ln = rng.randint(2, 64 if big else 3 * hi + 1)
                edge = koff + (s if rng.random() < 0.5 else e)
                x = rng.randint(edge - ln + 1, edge - 1) if ln > 1 else edge
                x = max(0, x)
                y = min(len(known), x + ln)
                if y - x >= 1 and (x, y) != (koff + s, koff + e):
                    self.push(c, d, (p, (kseq + x) & M32, base_flags, known[x:y]))
                    st["overlaps"] += 1
        if fin:
            s, e = cuts[last]
            self.flush(c)
            c.tails = [None, None]
            self.emit(p, (seq + s) & M32, f & ~URG, pay[s:e])
            st["pieces"] += 1
            st["barriers"] += 1
        else:
            c.tails[d] = ((seq + n) & M32, known[-16:])


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Re-deliver the TCP streams of a pcap adversarially "
                    "(tiny pieces, duplicates, overlaps, reordering).",
        epilog="See the module docstring (head of this file) for the "
               "exact guarantees.")
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--window", type=int, default=12,
                    help="pieces are picked at random among the W oldest pending "
                         "ones (default 12; 1 = keep order)")
    ap.add_argument("--min-piece", type=int, default=1)
    ap.add_argument("--max-piece", type=int, default=3)
    ap.add_argument("--dup", type=float, default=0.1,
                    help="probability that a piece is sent twice (default 0.1)")
    ap.add_argument("--overlap", type=float, default=0.1,
                    help="probability of an extra overlapping segment per piece")
    ap.add_argument("--cross-direction", action="store_true",
                    help="let data move across data packets of the other direction")
    ap.add_argument("--ack-unseen", action="store_true",
                    help="let ACKs pass data they acknowledge that is still pending")
    ap.add_argument("--max-delay", type=float, default=0.5,
                    help="flush a connection's pending pieces after this many "
                         "seconds of capture time (default 0.5)")
    ap.add_argument("--ts-step", type=int, default=1,
                    help="ticks between consecutive written packets (default 1)")
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args(argv)
    if not 1 <= a.min_piece <= a.max_piece:
        die("need 1 <= --min-piece <= --max-piece")
    if a.window < 1:
        die("--window must be >= 1")
    if a.ts_step < 0:
        die("--ts-step must be >= 0")

    try:
        fin = open(a.input, "rb")
    except OSError as e:
        die(str(e))
    with fin:
        hdr = fin.read(24)
        if len(hdr) < 24:
            die("%s: not a pcap file (too short)" % a.input)
        if hdr[:4] == b"\x0a\x0d\x0d\x0a":
            die("%s is pcapng; convert it first, e.g. "
                "'tcpdump -r IN -w OUT' or 'editcap -F pcap IN OUT'" % a.input)
        if hdr[:4] not in MAGICS:
            die("%s: unknown pcap magic %s" % (a.input, hdr[:4].hex()))
        endian, nsec = MAGICS[hdr[:4]]
        lt = struct.unpack(endian + "I", hdr[20:24])[0] & 0xFFFF
        res = 1000000000 if nsec else 1000000
        a.max_delay_ticks = int(a.max_delay * res)
        try:
            fout = open(a.output, "wb")
        except OSError as e:
            die(str(e))
        with fout:
            w = Writer(fout, hdr, endian, nsec, a.ts_step)
            m = Mangler(a, w, res)
            n_in = 0
            n_copied = 0
            for sec, frac, orig, d in read_records(fin, endian):
                n_in += 1
                m.now = sec * res + frac
                if m.pending:
                    m.flush_idle()
                p = parse(lt, d)
                if p is None or not m.packet(p):
                    w.write(d, m.now, orig)
                    n_copied += 1
            m.finish()
            w.close()
    st = m.st
    if not a.quiet:
        sys.stderr.write(
            "pcap-mangle: linktype %d, %d packets in (%d TCP, %d with data, "
            "%d data bytes, %d copied unchanged), %d packets out; %d pieces, "
            "%d duplicates, %d overlapping extras, %d written out of order, %d barriers, "
            "%d connections\n" % (
                lt, n_in, st["in_tcp"], st["in_data"], st["data_bytes"],
                n_copied, w.count, st["pieces"], st["dups"], st["overlaps"],
                st["late"], st["barriers"], len(m.conns)))
    if lt not in (0, 1, 12, 14, 101, 108, 113, 228, 229, 276):
        sys.stderr.write("pcap-mangle: warning: link type %d not supported, "
                         "all packets copied unchanged\n" % lt)
    return 0


if __name__ == "__main__":
    sys.exit(main())
