#!/usr/bin/python3
"""pcap-relink.py - re-encapsulate the IP packets of a pcap in another link type.

Usage:
    pcap-relink.py IN.pcap OUT.pcap --linktype TYPE [--vlan ID[,ID...]]
                   [--big-endian] [--nsec | --usec] [--ipv4-options]
                   [--ipv6-ext] [--only 4|6] [--port OLD:NEW] [--seq-wrap]

TYPE: en10mb, sll, sll2, null (little-endian family), null-be, loop,
raw (DLT 12), raw101 (LINKTYPE_RAW 101), ipv4 (228), ipv6 (229).

  --vlan 10,20      EN10MB only: add 802.1Q tags (with two or more, the
                    outer ones are 802.1ad, 0x88a8)
  --big-endian      write a big-endian pcap (default little-endian)
  --nsec / --usec   timestamp resolution of the output (default: as input)
  --ipv4-options    add 8 bytes of IPv4 options (NOP, NOP, Router Alert,
                    NOP, EOL) to every IPv4 packet (unless it would
                    exceed 60 header or 65535 total bytes)
  --ipv6-ext        insert a hop-by-hop and a destination-options header
                    (PadN) before the upper-layer header of every IPv6 packet
  --only 4|6        keep only IPv4 or only IPv6 packets
  --port OLD:NEW    TCP port OLD becomes NEW in both directions (the TCP
                    checksum is updated as RFC 1624 says), e.g. to move a
                    real session to a port mailtap does not know
  --seq-wrap        shift each side's TCP sequence numbers (and the other
                    side's acknowledgements of them) so that they pass
                    2^32 a few hundred bytes into the connection: every
                    later byte is numbered after the wrap

Packets that are not IPv4/IPv6 are dropped (and counted); so are IPv6
packets for ipv4 and IPv4 packets for ipv6.  The TCP/UDP checksums stay
valid (the pseudo header does not change); the IPv4 header checksum is
recomputed when options are added.  Used to test link-type handling of
pcap-mangle.py and of mailtap with real captures.
"""

import argparse
import struct
import sys

MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", False),
    b"\xa1\xb2\xc3\xd4": (">", False),
    b"\x4d\x3c\xb2\xa1": ("<", True),
    b"\xa1\xb2\x3c\x4d": (">", True),
}
TYPES = {"en10mb": 1, "sll": 113, "sll2": 276, "null": 0, "null-be": 0,
         "loop": 108, "raw": 12, "raw101": 101, "ipv4": 228, "ipv6": 229}


def ip_payload(lt, d):
    if lt == 1:
        off = 12
        while len(d) >= off + 2:
            et = struct.unpack_from("!H", d, off)[0]
            if et in (0x8100, 0x88A8, 0x9100):
                off += 4
                continue
            return d[off + 2:] if et in (0x0800, 0x86DD) else None
        return None
    if lt == 113:
        return d[16:] if d[14:16] in (b"\x08\x00", b"\x86\xdd") else None
    if lt == 276:
        return d[20:] if d[0:2] in (b"\x08\x00", b"\x86\xdd") else None
    if lt in (0, 108):
        return d[4:]
    if lt in (12, 14, 101, 228, 229):
        return d
    return None


def cksum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def add_ipv4_options(ip):
    ihl = (ip[0] & 15) * 4
    tot = struct.unpack_from("!H", ip, 2)[0]
    if ihl + 8 > 60 or tot + 8 > 65535:
        return ip  # no room: left as it is
    opts = b"\x01\x01\x94\x04\x00\x00\x01\x00"  # NOP NOP RouterAlert(4) NOP EOL
    h = bytearray(ip[:ihl] + opts)
    h[0] = 0x40 | ((ihl + 8) // 4)
    struct.pack_into("!H", h, 2, tot + 8)
    struct.pack_into("!H", h, 10, 0)
    struct.pack_into("!H", h, 10, cksum(bytes(h)))
    return bytes(h) + ip[ihl:]


def add_ipv6_ext(ip):
    plen = struct.unpack_from("!H", ip, 4)[0]
    if plen + 16 > 65535:
        return ip
    nh = ip[6]
    # hop-by-hop (PadN 4) -> destination options (PadN 4) -> original next
    hbh = bytes([60, 0, 1, 4, 0, 0, 0, 0])
    dst = bytes([nh, 0, 1, 4, 0, 0, 0, 0])
    h = bytearray(ip[:40])
    h[6] = 0
    struct.pack_into("!H", h, 4, plen + 16)
    return bytes(h) + hbh + dst + ip[40:]


def csum_update(hc, old, new):
    """RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')."""
    s = (~hc & 0xFFFF) + (~old & 0xFFFF) + new
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def remap_port(ver, ip, old, new):
    if ver == 4:
        if ip[9] != 6:
            return ip
        t = (ip[0] & 15) * 4
    else:
        if ip[6] != 6:
            return ip
        t = 40
    if len(ip) < t + 18:
        return ip
    b = bytearray(ip)
    for off in (t, t + 2):
        if struct.unpack_from("!H", b, off)[0] == old:
            struct.pack_into("!H", b, off, new)
            hc = struct.unpack_from("!H", b, t + 16)[0]
            struct.pack_into("!H", b, t + 16, csum_update(hc, old, new))
    return bytes(b)


def tcp_offset(ver, ip):
    """Offset of the TCP header in an IP packet, or None."""
    if ver == 4:
        t = (ip[0] & 15) * 4
        return t if ip[9] == 6 and len(ip) >= t + 20 else None
    return 40 if ip[6] == 6 and len(ip) >= 60 else None


def shift_seq(ver, ip, shifts):
    """Moves each side's sequence numbers by its shift (chosen at its first
    segment so that its byte 300 is the last before 2^32), and the ack
    numbers of the other side by the same; the TCP checksum follows."""
    t = tcp_offset(ver, ip)
    if t is None:
        return ip
    b = bytearray(ip)
    src = bytes(ip[12:16] if ver == 4 else ip[8:24]) + ip[t:t + 2]
    dst = bytes(ip[16:20] if ver == 4 else ip[24:40]) + ip[t + 2:t + 4]
    seq, ack = struct.unpack_from("!II", b, t + 4)
    if src not in shifts:
        shifts[src] = (0xFFFFFFFF - 300 - seq) & 0xFFFFFFFF
    new_seq = (seq + shifts[src]) & 0xFFFFFFFF
    new_ack = (ack + shifts.get(dst, 0)) & 0xFFFFFFFF if b[t + 13] & 0x10 else ack
    hc = struct.unpack_from("!H", b, t + 16)[0]
    for old, new in ((seq, new_seq), (ack, new_ack)):
        hc = csum_update(hc, old >> 16, new >> 16)
        hc = csum_update(hc, old & 0xFFFF, new & 0xFFFF)
    struct.pack_into("!II", b, t + 4, new_seq, new_ack)
    struct.pack_into("!H", b, t + 16, hc)
    return bytes(b)


def encap(name, ver, ip, vlans):
    et = b"\x08\x00" if ver == 4 else b"\x86\xdd"
    if name == "en10mb":
        tags = b""
        for i, v in enumerate(vlans):
            tpid = 0x88A8 if i < len(vlans) - 1 else 0x8100
            tags += struct.pack("!HH", tpid, v & 0x0FFF)
        return b"\x00\x00\x5e\x00\x53\x02\x00\x00\x5e\x00\x53\x01" + tags + et + ip
    if name == "sll":
        return struct.pack("!HHH", 0, 772, 6) + b"\x00\x00\x5e\x00\x53\x01\x00\x00" + et + ip
    if name == "sll2":
        return et + b"\x00\x00" + struct.pack("!IHBB", 1, 772, 0, 6) + b"\x00\x00\x5e\x00\x53\x01\x00\x00" + ip
    if name == "null":
        return struct.pack("<I", 2 if ver == 4 else 30) + ip
    if name == "null-be":
        return struct.pack(">I", 2 if ver == 4 else 30) + ip
    if name == "loop":
        return struct.pack(">I", 2 if ver == 4 else 24) + ip
    return ip


def main():
    ap = argparse.ArgumentParser(description="Re-encapsulate a pcap in another link type.")
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--linktype", required=True, choices=sorted(TYPES))
    ap.add_argument("--vlan", default="")
    ap.add_argument("--big-endian", action="store_true")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--nsec", action="store_true")
    g.add_argument("--usec", action="store_true")
    ap.add_argument("--ipv4-options", action="store_true")
    ap.add_argument("--ipv6-ext", action="store_true")
    ap.add_argument("--only", type=int, choices=(4, 6))
    ap.add_argument("--port", default="")
    ap.add_argument("--seq-wrap", action="store_true")
    a = ap.parse_args()
    shifts = {}
    port_map = tuple(int(x) for x in a.port.split(":")) if a.port else None
    if port_map and (len(port_map) != 2 or not all(0 < x < 65536 for x in port_map)):
        ap.error("--port takes OLD:NEW")
    vlans = [int(x) for x in a.vlan.split(",") if x]
    if vlans and a.linktype != "en10mb":
        ap.error("--vlan needs --linktype en10mb")
    only = a.only or {"ipv4": 4, "ipv6": 6}.get(a.linktype)

    with open(a.input, "rb") as f, open(a.output, "wb") as o:
        hdr = f.read(24)
        if hdr[:4] not in MAGICS:
            sys.exit("pcap-relink: %s is not a classic pcap" % a.input)
        ie, insec = MAGICS[hdr[:4]]
        _, _, _, _, _, snap, lt = struct.unpack(ie + "IHHiIII", hdr)
        lt &= 0xFFFF
        onsec = a.nsec or (insec and not a.usec)
        oe = ">" if a.big_endian else "<"
        o.write(struct.pack(oe + "IHHiIII", 0xA1B23C4D if onsec else 0xA1B2C3D4,
                            2, 4, 0, 0, max(snap, 262144), TYPES[a.linktype]))
        rin = struct.Struct(ie + "IIII")
        rout = struct.Struct(oe + "IIII")
        kept = dropped = 0
        while True:
            h = f.read(16)
            if len(h) < 16:
                break
            sec, frac, incl, orig = rin.unpack(h)
            d = f.read(incl)
            if len(d) < incl:
                break
            ip = ip_payload(lt, d)
            ver = ip[0] >> 4 if ip else 0
            if ver not in (4, 6) or (only and ver != only):
                dropped += 1
                continue
            if port_map:
                ip = remap_port(ver, ip, *port_map)
            if a.seq_wrap:
                ip = shift_seq(ver, ip, shifts)
            if ver == 4 and a.ipv4_options:
                ip = add_ipv4_options(ip)
            if ver == 6 and a.ipv6_ext:
                ip = add_ipv6_ext(ip)
            frame = encap(a.linktype, ver, ip, vlans)
            if insec and not onsec:
                frac //= 1000
            elif onsec and not insec:
                frac *= 1000
            extra = len(frame) - len(d)
            o.write(rout.pack(sec, frac, len(frame), max(orig + extra, len(frame))) + frame)
            kept += 1
    sys.stderr.write("pcap-relink: %d packets written, %d dropped\n" % (kept, dropped))


if __name__ == "__main__":
    main()
