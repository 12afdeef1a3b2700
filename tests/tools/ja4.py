#!/usr/bin/python3
"""ja4.py - an independent reference for the JA4 TLS client fingerprint.

Usage:
    ja4.py [--raw] [--hex] CAPTURE...
    ja4.py --c-vectors CAPTURE... > tests/unit/ja4_vectors.h

For the first TLS ClientHello a client sends on each TCP connection of each
capture (classic pcap in either byte order and timestamp resolution, or
pcapng), prints one line:

    CAPTURE  CLIENT-ADDR:PORT > SERVER-ADDR:PORT  JA4

--raw adds the raw (unhashed, sorted) fingerprint, --hex the bytes of the
TLS records that carried the hello.  --c-vectors writes them as a C header
for the unit tests (tests/unit/test_ja4.c), which check that mailtap
computes the same fingerprint from the same bytes.

Written from the specification text alone (FoxIO's technical_details/JA4.md:
https://github.com/FoxIO-LLC/ja4), not from mailtap's C code, so that the two
can check each other.  Python 3 standard library only.  The streams are
rebuilt simply: every segment's bytes placed by offset from ISN+1 (or the
lowest sequence number seen), first copy wins; the hello is looked for at
each offset of each direction's contiguous prefix, so a STARTTLS dialogue
before it does not matter.

Link types: EN10MB (+VLAN tags), LINUX_SLL, LINUX_SLL2, NULL, LOOP, RAW,
IPV4, IPV6.
"""
import hashlib
import ipaddress
import struct
import sys

GREASE = {0x0a0a + 0x1010 * i for i in range(16)}  # RFC 8701: 0x0a0a ... 0xfafa

VERSIONS = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3",
            0x0002: "s2", 0xfeff: "d1", 0xfefd: "d2", 0xfefc: "d3"}


# ---------------------------------------------------------------- captures

def packets(path):
    """Yields (linktype, frame bytes) for every packet of a pcap or pcapng."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic == b"\x0a\x0d\x0d\x0a":
        yield from pcapng_packets(data)
        return
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise ValueError(f"{path}: not a pcap or pcapng file")
    linktype = struct.unpack(e + "I", data[20:24])[0] & 0x0fffffff
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        yield linktype, data[off + 16:off + 16 + incl]
        off += 16 + incl


def pcapng_packets(data):
    e = "<"
    links = []
    off = 0
    while off + 12 <= len(data):
        btype = struct.unpack(e + "I", data[off:off + 4])[0]
        if btype == 0x0a0d0d0a:  # section header: its byte order holds
            e = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            links = []
        btype, blen = struct.unpack(e + "II", data[off:off + 8])
        body = data[off + 8:off + blen - 4]
        if btype == 1:
            links.append(struct.unpack(e + "H", body[:2])[0])
        elif btype == 6:
            iface, _, _, caplen, _ = struct.unpack(e + "IIIII", body[:20])
            yield links[iface], body[20:20 + caplen]
        elif btype == 3:
            yield links[0], body[4:]
        if blen < 12:
            break
        off += blen


def ip_payload(linktype, frame):
    """The IP packet inside a frame, or None."""
    if linktype == 1:  # EN10MB
        off, etype = 14, struct.unpack(">H", frame[12:14])[0]
        while etype in (0x8100, 0x88a8) and len(frame) >= off + 4:
            etype = struct.unpack(">H", frame[off + 2:off + 4])[0]
            off += 4
        return frame[off:] if etype in (0x0800, 0x86dd) else None
    if linktype == 113:  # LINUX_SLL
        return frame[16:]
    if linktype == 276:  # LINUX_SLL2
        return frame[20:]
    if linktype in (0, 108):  # NULL, LOOP: a 4-byte family
        return frame[4:]
    if linktype in (12, 101, 228, 229):
        return frame
    return None


def tcp_segment(ip):
    """(src, sport, dst, dport, seq, flags, payload) of a TCP packet, or None."""
    if len(ip) < 20:
        return None
    if ip[0] >> 4 == 4:
        ihl = (ip[0] & 15) * 4
        total = struct.unpack(">H", ip[2:4])[0]
        if ip[9] != 6 or struct.unpack(">H", ip[6:8])[0] & 0x3fff:
            return None  # not TCP, or a fragment
        src, dst = ipaddress.ip_address(ip[12:16]), ipaddress.ip_address(ip[16:20])
        tcp = ip[ihl:total]
    elif ip[0] >> 4 == 6 and len(ip) >= 40:
        nxt, off = ip[6], 40
        plen = struct.unpack(">H", ip[4:6])[0]
        end = 40 + plen
        while nxt in (0, 43, 60) and off + 8 <= end:  # extension headers
            nxt, off = ip[off], off + (ip[off + 1] + 1) * 8
        if nxt != 6:
            return None
        src, dst = ipaddress.ip_address(ip[8:24]), ipaddress.ip_address(ip[24:40])
        tcp = ip[off:end]
    else:
        return None
    if len(tcp) < 20:
        return None
    sport, dport, seq = struct.unpack(">HHI", tcp[:8])
    doff = (tcp[12] >> 4) * 4
    return str(src), sport, str(dst), dport, seq, tcp[13], tcp[doff:]


def streams(path):
    """{(src, sport, dst, dport, n): bytes} with the contiguous prefix of
    each direction of each connection, in the order first seen."""
    found = {}
    for linktype, frame in packets(path):
        ip = ip_payload(linktype, frame)
        seg = ip and tcp_segment(ip)
        if not seg:
            continue
        src, sport, dst, dport, seq, flags, payload = seg
        key = (src, sport, dst, dport)
        lst = found.setdefault(key, [])
        if flags & 0x02:  # SYN: a new stream on this address pair
            lst.append({"isn": (seq + 1) & 0xffffffff, "bytes": {}})
            continue
        if flags & 0x04 or not payload:
            continue
        if not lst:
            lst.append({"isn": None, "bytes": {}})
        s = lst[-1]
        if s["isn"] is None:
            s["isn"] = seq
        rel = (seq - s["isn"]) & 0xffffffff
        for i, b in enumerate(payload):
            s["bytes"].setdefault(rel + i, b)
    out = {}
    for key, lst in found.items():
        for n, s in enumerate(lst):
            buf = bytearray()
            while len(buf) in s["bytes"]:
                buf.append(s["bytes"][len(buf)])
            out[key + (n,)] = bytes(buf)
    return out


# ------------------------------------------------------------ ClientHello

class Short(Exception):
    pass


def u8(b, i):
    if i + 1 > len(b):
        raise Short()
    return b[i]


def u16(b, i):
    if i + 2 > len(b):
        raise Short()
    return b[i] << 8 | b[i + 1]


def client_hello_at(data, start):
    """If a ClientHello's handshake records start at data[start], returns
    (the handshake message body, the bytes of the records), else None."""
    hs = bytearray()
    off = start
    need = None
    while need is None or len(hs) < need:
        if off + 5 > len(data) or data[off] != 0x16 or data[off + 1] != 3:
            return None
        rlen = u16(data, off + 3)
        if off + 5 + rlen > len(data) or rlen == 0:
            return None
        hs += data[off + 5:off + 5 + rlen]
        off += 5 + rlen
        if need is None and len(hs) >= 4:
            if hs[0] != 1:
                return None
            need = 4 + (hs[1] << 16 | hs[2] << 8 | hs[3])
    return bytes(hs[4:need]), data[start:off]


def parse_hello(body):
    """The fields JA4 reads, from a ClientHello body (RFC 8446 4.1.2)."""
    h = {"version": u16(body, 0), "ciphers": [], "exts": [], "sigalgs": [],
         "versions": None, "alpn": None}
    i = 2 + 32
    i += 1 + u8(body, i)  # legacy_session_id
    n = u16(body, i)
    i += 2
    for k in range(0, n, 2):
        h["ciphers"].append(u16(body, i + k))
    i += n
    i += 1 + u8(body, i)  # legacy_compression_methods
    if i >= len(body):
        return h  # no extensions
    end = i + 2 + u16(body, i)
    i += 2
    while i < end:
        etype, elen = u16(body, i), u16(body, i + 2)
        ext = body[i + 4:i + 4 + elen]
        if len(ext) != elen:
            raise Short()
        h["exts"].append(etype)
        if etype == 0x000d and not h["sigalgs"]:  # signature_algorithms
            m = u16(ext, 0)
            h["sigalgs"] = [u16(ext, 2 + k) for k in range(0, m, 2)]
        elif etype == 0x002b:  # supported_versions: a 1-byte length
            m = u8(ext, 0)
            h["versions"] = [u16(ext, 1 + k) for k in range(0, m, 2)]
        elif etype == 0x0010 and h["alpn"] is None:  # ALPN
            if u16(ext, 0) >= 1:
                m = u8(ext, 2)
                h["alpn"] = bytes(ext[3:3 + m])
        i += 4 + elen
    return h


# -------------------------------------------------------------------- JA4

def hash12(s):
    """The first 12 hex digits of SHA-256, or twelve zeros for nothing."""
    return hashlib.sha256(s.encode()).hexdigest()[:12] if s else "000000000000"


def alnum(b):
    return 0x30 <= b <= 0x39 or 0x41 <= b <= 0x5a or 0x61 <= b <= 0x7a


def alpn_chars(v):
    """JA4.md, "ALPN Extension Value"."""
    if not v:
        return "00"
    first, last = v[0], v[-1]
    if alnum(first) and alnum(last):
        return chr(first) + chr(last)
    x = v.hex()
    return x[0] + x[-1]


def ja4(h, raw=False):
    ciphers = [c for c in h["ciphers"] if c not in GREASE]
    exts = [e for e in h["exts"] if e not in GREASE]
    sigs = [s for s in h["sigalgs"] if s not in GREASE]
    if h["versions"] is not None:  # supported_versions: its highest value
        vs = [v for v in h["versions"] if v not in GREASE]
        version = VERSIONS.get(max(vs), "00") if vs else "00"
    else:
        version = VERSIONS.get(h["version"], "00")
    sni = "d" if 0x0000 in exts else "i"
    a = (f"t{version}{sni}{min(len(ciphers), 99):02d}{min(len(exts), 99):02d}"
         f"{alpn_chars(h['alpn'])}")
    b = ",".join(sorted(f"{c:04x}" for c in ciphers))
    c = ",".join(sorted(f"{e:04x}" for e in exts if e not in (0x0000, 0x0010)))
    if c and sigs:
        c += "_" + ",".join(f"{s:04x}" for s in sigs)
    if raw:
        return f"{a}_{b}_{c}"
    return f"{a}_{hash12(b)}_{hash12(c)}"


def hellos(path):
    """(client, server, ja4, raw, record bytes) for every connection."""
    for (src, sport, dst, dport, _), data in streams(path).items():
        for start in range(len(data)):
            if data[start] != 0x16:
                continue
            try:
                got = client_hello_at(data, start)
                if got:
                    h = parse_hello(got[0])
                    yield (f"{src}:{sport}", f"{dst}:{dport}", ja4(h), ja4(h, raw=True),
                           got[1])
                    break
            except Short:
                continue


def c_vectors(paths):
    print("/* Generated by tests/tools/ja4.py --c-vectors: the first ClientHello of")
    print(" * each connection in the bundled captures, as the TLS records that carried")
    print(" * it, and the JA4 the Python reference computes for it. */")
    print("struct ja4_vector {\n    const char *capture, *ja4, *hex;\n};\n")
    print("static const struct ja4_vector ja4_vectors[] = {")
    for path in paths:
        name = path.rsplit("/", 1)[-1]
        for _, _, fp, _, rec in hellos(path):
            print(f'    {{"{name}", "{fp}",\n     "{rec.hex()}"}},')
    print("};")


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    opts = {a for a in argv if a.startswith("--")}
    if not args or opts - {"--raw", "--hex", "--c-vectors"}:
        print(__doc__, file=sys.stderr)
        return 2
    if "--c-vectors" in opts:
        c_vectors(args)
        return 0
    for path in args:
        name = path.rsplit("/", 1)[-1]
        for client, server, fp, raw, rec in hellos(path):
            line = f"{name}\t{client} > {server}\t{fp}"
            if "--raw" in opts:
                line += "\t" + raw
            if "--hex" in opts:
                line += "\t" + rec.hex()
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
