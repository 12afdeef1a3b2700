#!/usr/bin/python3
"""test-pcap-mangle.py - end-to-end checks of pcap-mangle.py.

Usage:
    test-pcap-mangle.py [--seeds N] [--tcpflow] [--keep DIR] [PCAP...]

Builds a synthetic capture full of edge cases (sequence wrap-around, port
reuse, FIN with data, half close, RST, mid-stream start, SYN with data, an original
retransmission, Ethernet padding, UDP / ARP / IP fragment / truncated
packets, TCP options), adds the PCAP files given (e.g. the output of
make-test-captures.sh), converts each to other link types / byte orders /
timestamp resolutions with pcap-relink.py (also with IPv4 options and IPv6
extension headers), mangles each with several seeds and option sets, and
checks with the independent pcap-streams.py and an ordering checker that:

  * every TCP stream of the output is byte-identical to the input's
    (no holes, no conflicting copies, nothing after a FIN);
  * IPv4 header and TCP checksums are right and timestamps never go back;
  * the SYN / FIN / RST packets of each connection come in the same order,
    and no data byte moved across one of them (of either direction);
  * with default options, an in-order reassembler delivers data of the two
    directions in the same interleaving as for the input;
  * non-TCP packets are copied unchanged and in order, the pcap header is
    kept, the output is deterministic for a seed and the pieces are small;
  * with --tcpflow: tcpflow extracts identical files from input and output.

Ends with a line 'N passed, N failed'; exit status 1 if anything failed.
"""

import argparse
import bisect
import collections
import filecmp
import importlib.util
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable or "/usr/bin/python3"
M32 = 1 << 32


def load(name):
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"),
                                                  os.path.join(HERE, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


streams_mod = load("pcap-streams")


# ------------------------------------------------------------ synthetic pcap

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ip4(src, dst, proto, payload, ident=0, frag=0x4000):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, frag, 64,
                    proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def ip6(src, dst, proto, payload):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), proto, 64, src, dst) + payload


def tcp(ver, src, dst, sport, dport, seq, ack, flags, payload=b"", opts=b""):
    off = (20 + len(opts)) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq % M32, ack % M32, off << 4, flags,
                    65535, 0, 0) + opts
    seg = h + payload
    if ver == 4:
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(seg))
    else:
        pseudo = src + dst + struct.pack("!IxxxB", len(seg), 6)
    c = csum(pseudo + seg)
    seg = seg[:16] + struct.pack("!H", c) + seg[18:]
    return ip4(src, dst, 6, seg) if ver == 4 else ip6(src, dst, 6, seg)


def eth(ip, pad_to=0):
    et = b"\x08\x00" if ip[0] >> 4 == 4 else b"\x86\xdd"
    f = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01" + et + ip
    if len(f) < pad_to:
        f += b"\xee" * (pad_to - len(f))
    return f


L4 = bytes([127, 0, 0, 1])
L4B = bytes([127, 0, 0, 2])
L6 = bytes(15) + b"\x01"


class Sess:
    """Builds the frames of one TCP connection, tracking seq/ack."""

    def __init__(self, ver, c, s, cport, sport, isn_c, isn_s, ts_opt=False):
        self.ver, self.c, self.s, self.cport, self.sport = ver, c, s, cport, sport
        self.nxt = {True: isn_c, False: isn_s}
        self.ts_opt = ts_opt
        self.frames = []

    def send(self, from_client, flags, payload=b"", seq=None, advance=True, pad_to=0,
             ack=None):
        me, other = from_client, not from_client
        sq = self.nxt[me] if seq is None else seq
        if ack is None:
            ack = self.nxt[other] if flags & 0x10 else 0
        opts = b"\x01\x01\x08\x0a" + struct.pack("!II", len(self.frames), 7) if self.ts_opt else b""
        if from_client:
            ip = tcp(self.ver, self.c, self.s, self.cport, self.sport, sq, ack, flags, payload, opts)
        else:
            ip = tcp(self.ver, self.s, self.c, self.sport, self.cport, sq, ack, flags, payload, opts)
        self.frames.append(eth(ip, pad_to))
        if advance and seq is None:
            self.nxt[me] = (sq + len(payload) + (1 if flags & 0x03 else 0)) % M32

    def handshake(self):
        self.send(True, 0x02)
        self.send(False, 0x12)
        self.send(True, 0x10)

    def data(self, from_client, blob, mss=1448, acks=True):
        for i in range(0, len(blob), mss):
            self.send(from_client, 0x18, blob[i:i + mss])
            if acks and (i // mss) % 2 == 1:
                self.send(not from_client, 0x10)


def rbytes(rng, n):
    return bytes(rng.getrandbits(8) for _ in range(n))


def text(rng, n):
    words = [b"alpha", b"beta", b"FETCH", b"RETR", b"a1", b"OK", b"\r\n", b"..", b"."]
    out = []
    k = 0
    while k < n:
        w = rng.choice(words) + b" "
        out.append(w)
        k += len(w)
    return b"".join(out)[:n]


def synthetic_pcap(path):
    rng = random.Random(42)
    sessions = []
    # S1: IPv4, server ISN wraps around 2^32, TCP timestamp options
    s = Sess(4, L4, L4, 40001, 143, 1000, M32 - 3000, ts_opt=True)
    s.handshake()
    s.send(False, 0x18, b"* OK ready\r\n")
    s.send(True, 0x18, b"a1 LOGIN x y\r\n")
    s.send(False, 0x18, b"a1 OK\r\n")
    s.send(True, 0x18, b"a2 FETCH 1 BODY[]\r\n")
    s.data(False, text(rng, 6000))
    s.send(False, 0x18, b"a2 OK done\r\n")
    s.send(True, 0x11)
    s.send(False, 0x11)
    s.send(True, 0x10)
    sessions.append(s)
    # S2: IPv6, last data segment carries FIN; client FIN afterwards
    s = Sess(6, L6, L6, 40002, 110, 5, 77)
    s.handshake()
    s.send(False, 0x18, b"+OK hi\r\n")
    s.send(True, 0x18, b"RETR 1\r\n")
    blob = rbytes(rng, 3000)
    s.data(False, blob[:2000])
    s.send(False, 0x19, blob[2000:])
    s.send(True, 0x11)
    s.send(False, 0x10)
    sessions.append(s)
    # S3: the same address/port pair used twice in a row; second ends in RST
    reuse = []
    for isn in (123456, 987654321):
        s = Sess(4, L4, L4, 40003, 25, isn, isn * 3)
        s.handshake()
        s.send(False, 0x18, b"220 hi\r\n")
        s.send(True, 0x18, b"EHLO x\r\n")
        s.send(False, 0x18, b"250 ok\r\n")
        s.data(True, text(rng, 2500))
        if isn == 123456:
            s.send(True, 0x11)
            s.send(False, 0x11)
            s.send(True, 0x10)
        else:
            s.send(True, 0x14)
        reuse.append(s)
    reuse[0].frames += reuse[1].frames
    sessions.append(reuse[0])
    # S4: mid-stream start, both directions, no FIN
    s = Sess(4, L4B, L4, 40004, 110, 5555, 6666)
    s.data(True, b"LIST\r\n")
    s.data(False, text(rng, 3000))
    s.data(True, b"RETR 2\r\n")
    s.data(False, text(rng, 500))
    sessions.append(s)
    # S5: SYN with data; an original retransmission; a keep-alive probe;
    # Ethernet padding on small frames
    s = Sess(4, L4, L4B, 40005, 143, 10, 20)
    s.send(True, 0x02, b"early")
    s.send(False, 0x12)
    s.send(True, 0x10, pad_to=60)
    msg = text(rng, 900)
    s.data(False, msg, mss=300)
    s.send(False, 0x18, msg[300:600], seq=(20 + 1 + 300))  # retransmission
    s.send(True, 0x18, b"x\r\n", pad_to=60)
    s.send(True, 0x10, b"\n", seq=s.nxt[True] - 1)  # keep-alive, same byte
    s.send(True, 0x18, b"y\r\n")
    s.send(True, 0x14)
    sessions.append(s)
    # S6: ping-pong of small messages (delivery interleaving)
    s = Sess(6, L6, L6, 40006, 25, 31, 41)
    s.handshake()
    for i in range(30):
        s.send(bool(i % 2), 0x18, b"line %d %s\r\n" % (i, b"z" * rng.randint(0, 20)))
    # both sides sending at once: acks that do not cover the other's data
    for i in range(6):
        old_ack = s.nxt[i % 2 == 1]
        s.send(i % 2 == 0, 0x18, b"cmd %d\r\n" % i)
        s.send(i % 2 == 1, 0x18, b"reply %d xxxxxxxxxxxxxxxxxxxxx\r\n" % i, ack=old_ack)
    s.send(False, 0x11)
    s.send(True, 0x11)
    s.send(False, 0x10)
    sessions.append(s)
    # S7: a truncated frame in the middle (snap length)
    s = Sess(4, L4B, L4B, 40007, 110, 700, 800)
    s.handshake()
    s.data(False, text(rng, 4000))
    s.send(True, 0x11)
    s.send(False, 0x11)
    sessions.append(s)
    # S8, S9: half close: the client's FIN (alone, or with data) comes
    # between two contiguous server segments
    for port, fin_data in ((40008, b""), (40009, b"QUIT\r\n")):
        s = Sess(4, L4B, L4, port, 110, 4242, 8484)
        s.handshake()
        s.send(True, 0x18, b"RETR 1\r\n")
        s.send(False, 0x18, text(rng, 400))
        s.send(True, 0x19 if fin_data else 0x11, fin_data)
        for i in range(5):
            s.send(False, 0x18, text(rng, 40))
        s.send(False, 0x11)
        s.send(True, 0x10)
        sessions.append(s)
    others = [
        eth(ip4(L4, L4B, 17, struct.pack("!HHHH", 5353, 53, 12, 0) + b"abcd")),
        b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01\x08\x06" + bytes(28),  # ARP
        eth(ip4(L4, L4B, 6, tcp(4, L4, L4B, 1, 2, 3, 4, 0x18, b"frag")[20:], ident=9,
                frag=0x2000)),  # first fragment (MF)
        eth(ip6(L6, L6, 17, struct.pack("!HHHH", 5000, 53, 10, 0) + b"xy")),
    ]
    # interleave, keeping each session's own order
    queues = [collections.deque(x.frames) for x in sessions] + [collections.deque([o]) for o in others]
    trunc_target = id(sessions[6].frames[4])
    t = 1700000000 * 1000000
    recs = []
    while any(queues):
        q = rng.choice([q for q in queues if q])
        f = q.popleft()
        t += rng.choice((0, 1, 50, 100, 2000))
        if id(f) == trunc_target:
            recs.append(struct.pack("<IIII", t // 1000000, t % 1000000, 80, len(f)) + f[:80])
        else:
            recs.append(struct.pack("<IIII", t // 1000000, t % 1000000, len(f), len(f)) + f)
    with open(path, "wb") as o:
        o.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        o.write(b"".join(recs))


# ------------------------------------------------------------ checks

def run(cmd, **kw):
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def streams(path, extra=()):
    r = run([PY, os.path.join(HERE, "pcap-streams.py"), path] + list(extra))
    return r.returncode, r.stdout, r.stderr


def packets(path):
    """(index, ts, frame, parsed-or-None) for every record (a generator)."""
    for i, (lt, ts, frame) in enumerate(streams_mod.read_pcap(path)):
        ip = streams_mod.ip_of(lt, frame)
        t = streams_mod.tcp_of(ip) if ip is not None else None
        if t is not None:
            seg = t[3]
            if len(seg) < 20 or (seg[12] >> 4) < 5 or (seg[12] >> 4) * 4 > len(seg):
                t = None
        yield i, ts, frame, t


def tcp_view(t):
    ver, src, dst, seg, _, _ = t
    sport, dport, seq, ack = struct.unpack_from("!HHII", seg, 0)
    flags = seg[13]
    payload = seg[(seg[12] >> 4) * 4:]
    dk = (ver, bytes(src), sport, bytes(dst), dport)
    ck = (ver,) + min((bytes(src), sport), (bytes(dst), dport)) + max((bytes(src), sport), (bytes(dst), dport))
    return dk, ck, seq, ack, flags, payload


def rel(seq, base):
    return ((seq - base + (M32 >> 1)) % M32) - (M32 >> 1)


class Analysis:
    """One pass over a capture.  Offsets are relative to the first sequence
    number of each direction in `base` (the input's analysis), so that the
    input and its mangled output can be compared.

      barriers  per connection: (direction, SYN/FIN/RST bits, end seq) list
      ranges    (direction, epoch) -> data ranges; the epoch of a byte is
                the number of SYN/FIN/RST of its connection before it (a
                FIN's own data belongs before the FIN)
      sizes     payload sizes of data packets (not SYN, not RST)
      nontcp    frames that are not whole TCP segments
      unseen    packets acknowledging sequence space of the other direction
                not yet contiguously seen (a new SYN restarts a direction)
    """

    def __init__(self, path, base=None):
        self.first = {} if base is None else dict(base.first)
        self.barriers = collections.defaultdict(list)
        self.ranges = collections.defaultdict(list)
        self.sizes = []
        self.nontcp = []
        self.unseen = 0
        epoch = collections.Counter()
        ufirst = dict(self.first)
        syn = {}
        cov = collections.defaultdict(bytearray)
        nxt = collections.Counter()
        for _, _, frame, t in packets(path):
            if t is None:
                self.nontcp.append(frame)
                continue
            dk, ck, seq, ack, flags, payload = tcp_view(t)
            f0 = self.first.setdefault(dk, seq)
            ufirst.setdefault(dk, f0)
            # ordering
            if flags & 0x07:
                end = seq if flags & 0x02 else (seq + len(payload)) % M32
                self.barriers[ck].append((dk, flags & 0x07, end))
                epoch[ck] += 1
            if payload and not flags & 0x04:
                dseq = (seq + 1) % M32 if flags & 0x02 else seq
                if not flags & 0x02:
                    self.sizes.append(len(payload))
                off = rel(dseq, f0)
                ep = epoch[ck] - (1 if flags & 0x01 else 0)
                self.ranges[(dk, ep)].append((off, off + len(payload)))
            # acknowledgements of data not yet seen
            if flags & 0x02 and syn.get(dk, seq) != seq:  # a new connection
                ufirst[dk] = seq
                cov[dk] = bytearray()
                nxt[dk] = 0
            if flags & 0x02:
                syn[dk] = seq
            off = rel(seq, ufirst[dk])
            end = off if flags & 0x04 else off + len(payload) + (flags & 1) + ((flags >> 1) & 1)
            if end > off >= 0:
                c = cov[dk]
                if len(c) < end:
                    c.extend(bytes(end - len(c)))
                c[off:end] = b"\x01" * (end - off)
                n = c.find(0, nxt[dk])
                nxt[dk] = len(c) if n < 0 else n
            if flags & 0x10 and not flags & 0x04:
                rk = (dk[0], dk[3], dk[4], dk[1], dk[2])
                if rk in ufirst and rel(ack, ufirst[rk]) > nxt[rk]:
                    self.unseen += 1


def merge(iv):
    iv.sort()
    out = []
    for a, b in iv:
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def check_ordering(ai, ao):
    errs = []
    if dict(ai.barriers) != dict(ao.barriers):
        errs.append("barrier sequence differs")
    merged = {k: merge(list(v)) for k, v in ai.ranges.items()}
    starts = {k: [a for a, _ in v] for k, v in merged.items()}
    bad = 0
    for k, v in ao.ranges.items():
        m = merged.get(k)
        for a, b in v:
            if m is None:
                bad += 1
                continue
            j = bisect.bisect_right(starts[k], a) - 1
            if j < 0 or b > m[j][1]:
                bad += 1
    if bad:
        errs.append("%d data packets crossed a SYN/FIN/RST" % bad)
    return errs


def tcpflow_same(a, b, work):
    da, db = os.path.join(work, "tfa"), os.path.join(work, "tfb")
    for d in (da, db):
        shutil.rmtree(d, ignore_errors=True)
    ra = run(["tcpflow", "-r", a, "-o", da])
    if "unknown datalink" in ra.stderr:
        return []  # tcpflow cannot read this link type; nothing to compare
    rb = run(["tcpflow", "-r", b, "-o", db])
    if ra.returncode or rb.returncode:
        return ["tcpflow failed: %s %s" % (ra.stderr[-200:], rb.stderr[-200:])]
    r = run(["diff", "-r", "-x", "report.xml", da, db])
    if r.returncode:
        return ["tcpflow outputs differ: %s" % r.stdout[:300]]
    # (tcpflow reads NULL only in host byte order: it may find nothing)
    return []


# ------------------------------------------------------------ driver

VARIANTS_ALL = [
    [],  # as is
    ["--linktype", "en10mb", "--vlan", "100"],
    ["--linktype", "en10mb", "--vlan", "10,20", "--ipv4-options", "--ipv6-ext"],
    ["--linktype", "sll", "--big-endian"],
    ["--linktype", "sll2", "--nsec"],
    ["--linktype", "null"],
    ["--linktype", "null-be", "--nsec", "--big-endian"],
    ["--linktype", "loop", "--ipv4-options"],
    ["--linktype", "raw", "--ipv6-ext"],
    ["--linktype", "raw101", "--usec"],
    ["--linktype", "ipv4", "--ipv4-options", "--big-endian"],
    ["--linktype", "ipv6", "--ipv6-ext", "--nsec"],
]
VARIANTS_REAL = [VARIANTS_ALL[0], VARIANTS_ALL[2], VARIANTS_ALL[4], VARIANTS_ALL[8]]

MODES = [
    ("default", []),
    ("cross", ["--cross-direction", "--ack-unseen", "--window", "16"]),
    ("nowindow", ["--window", "1", "--dup", "0", "--overlap", "0"]),
    ("heavy", ["--max-piece", "1", "--dup", "0.5", "--overlap", "0.5", "--window", "8"]),
]


def main():
    ap = argparse.ArgumentParser(description="End-to-end checks of pcap-mangle.py")
    ap.add_argument("pcaps", nargs="*")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--tcpflow", action="store_true")
    ap.add_argument("--keep", help="keep work files in this directory")
    a = ap.parse_args()
    work = a.keep or tempfile.mkdtemp(prefix="mangle-test-")
    os.makedirs(work, exist_ok=True)
    passed = failed = 0

    def result(name, errs):
        nonlocal passed, failed
        if errs:
            failed += 1
            print("FAIL %s: %s" % (name, "; ".join(errs)))
        else:
            passed += 1
            print("ok   %s" % name)
        sys.stdout.flush()

    synth = os.path.join(work, "synthetic.pcap")
    synthetic_pcap(synth)
    bases = [(synth, VARIANTS_ALL)] + [(p, VARIANTS_REAL) for p in a.pcaps]
    mangle = os.path.join(HERE, "pcap-mangle.py")
    relink = os.path.join(HERE, "pcap-relink.py")
    for base, variants in bases:
        bname = os.path.splitext(os.path.basename(base))[0]
        for vi, v in enumerate(variants):
            if v:
                src = os.path.join(work, "%s-v%d.pcap" % (bname, vi))
                r = run([PY, relink, base, src] + v)
                if r.returncode:
                    result("%s relink %s" % (bname, " ".join(v)), [r.stderr[-300:]])
                    continue
            else:
                src = base
            vname = "%s[%s]" % (bname, " ".join(v) or "as is")
            rc, ref, err = streams(src, ["--delivery"])
            ref_streams = [x for x in ref.splitlines() if not x.startswith("delivery")]
            ref_deliv = [x for x in ref.splitlines() if x.startswith("delivery")]
            if rc or not ref_streams:
                result(vname + " reference", ["pcap-streams failed or found no stream: " + err])
                continue
            ref = Analysis(src)
            with open(src, "rb") as f:
                ref_hdr = f.read(24)
            for mode, opts in MODES:
                seeds = range(1, a.seeds + 1) if mode == "default" else [a.seeds + 7]
                for seed in seeds:
                    name = "%s %s seed=%d" % (vname, mode, seed)
                    out = os.path.join(work, "out.pcap")
                    r = run([PY, mangle, src, out, "--seed", str(seed), "-q"] + opts)
                    errs = []
                    if r.returncode:
                        result(name, ["pcap-mangle failed: " + r.stderr[-300:]])
                        continue
                    rc, got, err = streams(out, ["--check", "--delivery"])
                    if rc:
                        errs.append("check failed: " + err.strip().splitlines()[-1])
                    got_streams = [x for x in got.splitlines() if not x.startswith("delivery")]
                    got_deliv = [x for x in got.splitlines() if x.startswith("delivery")]
                    if got_streams != ref_streams:
                        diff = [x for x in got_streams if x not in ref_streams][:2]
                        errs.append("streams differ: %s" % diff)
                    if any("conflicts=0" not in x or "after_fin=0" not in x for x in got_streams):
                        errs.append("conflicting copies or data after FIN in output")
                    if mode != "cross" and got_deliv != ref_deliv:
                        errs.append("delivery interleaving differs")
                    got_a = Analysis(out, ref)
                    errs += check_ordering(ref, got_a)
                    sizes = got_a.sizes
                    if mode != "cross" and got_a.unseen > ref.unseen:
                        errs.append("%d packets ACK data not yet written (input: %d)" % (
                            got_a.unseen, ref.unseen))
                    if got_a.nontcp != ref.nontcp:
                        errs.append("non-TCP packets not copied unchanged")
                    with open(out, "rb") as f:
                        if f.read(24) != ref_hdr:
                            errs.append("pcap header changed")
                    if sizes:
                        maxp = 1 if mode == "heavy" else 3
                        small = sum(1 for x in sizes if x <= maxp)
                        if max(sizes) > 64 or small < 0.6 * len(sizes):
                            errs.append("pieces too big (max %d, %d/%d small)" % (
                                max(sizes), small, len(sizes)))
                        if mode == "nowindow" and small != len(sizes):
                            errs.append("pieces larger than 3 without extras")
                    if mode == "default" and seed == 1:
                        out2 = os.path.join(work, "out2.pcap")
                        run([PY, mangle, src, out2, "--seed", "1", "-q"])
                        if not filecmp.cmp(out, out2, shallow=False):
                            errs.append("not deterministic")
                        run([PY, mangle, src, out2, "--seed", "2", "-q"])
                        if filecmp.cmp(out, out2, shallow=False):
                            errs.append("seed has no effect")
                        if a.tcpflow and shutil.which("tcpflow"):
                            errs += tcpflow_same(src, out, work)
                    result(name, errs)
    print("%d passed, %d failed" % (passed, failed))
    if not a.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
