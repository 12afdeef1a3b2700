#!/usr/bin/python3
"""Check one TLS capture made by ../make-captures.sh with Wireshark's tshark,
an implementation independent of mailtap and of the client that wrote the
key log.

  tlscheck.py FILE [--keylog KEYS] [--version 1.0|1.1|1.2|1.3] [--cipher NAME]
              [--etm | --no-etm] [--resumed | --full] [--keyupdate]
              [--has TEXT]...

tshark reads FILE (a pcap, or a pcapng whose Decryption Secrets Block holds
the key log) with KEYS as tls.keylog_file.  Checks what the ServerHello
chose (version; cipher suite, OpenSSL's name; for TLS 1.2 CBC suites
whether encrypt_then_mac was agreed), whether the handshake was a
resumption (no Certificate message, found only once decrypted for TLS 1.3,
and a pre_shared_key in a TLS 1.3 ServerHello) or a full one, that a
KeyUpdate was decrypted, and that every --has TEXT is in the decrypted
application data (tshark's "follow,tls" of the connection) of either
direction: decryption works only when the key log fits the connection.
Prints a one-line summary; exits 1 on any failure.
"""
import argparse
import re
import subprocess
import sys

SUITES = {
    0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384",
    0x1303: "TLS_CHACHA20_POLY1305_SHA256",
    0xc009: "ECDHE-ECDSA-AES128-SHA", 0xc00a: "ECDHE-ECDSA-AES256-SHA",
    0xc023: "ECDHE-ECDSA-AES128-SHA256", 0xc024: "ECDHE-ECDSA-AES256-SHA384",
    0xc02b: "ECDHE-ECDSA-AES128-GCM-SHA256", 0xc02c: "ECDHE-ECDSA-AES256-GCM-SHA384",
    0xcca9: "ECDHE-ECDSA-CHACHA20-POLY1305",
    0xc013: "ECDHE-RSA-AES128-SHA", 0xc014: "ECDHE-RSA-AES256-SHA",
    0xc02f: "ECDHE-RSA-AES128-GCM-SHA256", 0xc030: "ECDHE-RSA-AES256-GCM-SHA384",
    0xcca8: "ECDHE-RSA-CHACHA20-POLY1305",
}
EXT_ETM, EXT_PSK = 22, 41
HS_SERVER_HELLO, HS_CERTIFICATE, HS_KEY_UPDATE = 2, 11, 24


def tshark(args, keylog):
    cmd = ["tshark", "-n"] + (["-o", "tls.keylog_file:" + keylog] if keylog else []) + ["-r"] + args
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        raise SystemExit("tshark failed: %s" % p.stderr.strip()[-300:])
    return p.stdout


def ints(field):
    return [int(v, 0) for v in field.split(",") if v]


def handshakes(path, keylog):
    """Per frame with handshake messages: (types, suites, versions, exts)."""
    out = tshark([path, "-Y", "tls.handshake", "-T", "fields", "-E", "separator=/t",
                  "-e", "tls.handshake.type", "-e", "tls.handshake.ciphersuite",
                  "-e", "tls.handshake.version", "-e", "tls.handshake.extensions.supported_version",
                  "-e", "tls.handshake.extension.type"], keylog)
    rows = []
    for line in out.splitlines():
        f = (line.split("\t") + [""] * 5)[:5]
        rows.append(tuple(ints(x) for x in f))
    return rows


def decrypted(path, keylog):
    """The decrypted application data of the first connection: (c2s, s2c).
    tshark's node 0 is the side that sent the first decrypted byte (its
    lines have no tab); the client is the sender of the first frame, the
    SYN."""
    client = tshark([path, "-c", "1", "-T", "fields", "-e", "tcp.srcport"], None).strip()
    out = tshark([path, "-q", "-z", "follow,tls,raw,0"], keylog)
    node0 = re.search(r"^Node 0: .*:(\d+)$", out, re.M)
    first, second = bytearray(), bytearray()
    body = out.split("\nNode 1:", 1)[-1].split("\n", 1)[-1]
    for line in body.splitlines():
        if line.startswith("====="):
            break
        if line.startswith("\t"):
            second += bytes.fromhex(line.strip())
        elif line.strip():
            first += bytes.fromhex(line.strip())
    if node0 and node0.group(1) != client:
        first, second = second, first
    return bytes(first), bytes(second)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--keylog")
    ap.add_argument("--version", choices=["1.0", "1.1", "1.2", "1.3"])
    ap.add_argument("--cipher")
    ap.add_argument("--etm", action="store_true", default=None)
    ap.add_argument("--no-etm", dest="etm", action="store_false")
    ap.add_argument("--resumed", action="store_true", default=None)
    ap.add_argument("--full", dest="resumed", action="store_false")
    ap.add_argument("--keyupdate", action="store_true")
    ap.add_argument("--has", action="append", default=[])
    a = ap.parse_args()

    errors = []
    rows = handshakes(a.file, a.keylog)
    hello = [r for r in rows if HS_SERVER_HELLO in r[0]]
    if len(hello) != 1:
        raise SystemExit("%s: FAIL: %d ServerHello frames" % (a.file, len(hello)))
    _, suites, versions, supported, exts = hello[0]
    version = ("1.3" if 0x0304 in supported else "1.2" if 0x0303 in versions
               else "1.1" if 0x0302 in versions else "1.0" if 0x0301 in versions else "?")
    suite = SUITES.get(suites[0], hex(suites[0])) if suites else "?"
    types = [t for r in rows for t in r[0]]
    resumed = HS_CERTIFICATE not in types
    if a.version and version != a.version:
        errors.append("TLS %s, expected %s" % (version, a.version))
    if a.cipher and suite != a.cipher:
        errors.append("cipher %s, expected %s" % (suite, a.cipher))
    if a.etm is not None and (EXT_ETM in exts) != a.etm:
        errors.append("encrypt_then_mac %s" % ("agreed" if EXT_ETM in exts else "not agreed"))
    if a.resumed is not None:
        if resumed != a.resumed:
            errors.append("handshake %s" % ("resumed" if resumed else "full"))
        if a.resumed and version == "1.3" and EXT_PSK not in exts:
            errors.append("no pre_shared_key in the TLS 1.3 ServerHello")
    updates = types.count(HS_KEY_UPDATE)
    if a.keyupdate and not updates:
        errors.append("no KeyUpdate decrypted")
    c2s, s2c = decrypted(a.file, a.keylog)
    if not c2s or not s2c:
        errors.append("nothing decrypted (%d / %d bytes)" % (len(c2s), len(s2c)))
    for t in a.has:
        if t.encode() not in c2s and t.encode() not in s2c:
            errors.append("not in the decrypted data: %r" % t)
    if errors:
        print("%s: FAIL: %s" % (a.file, "; ".join(errors)))
        sys.exit(1)
    print("%s: tshark: TLS %s %s%s%s%s, decrypted %d bytes from the client, %d from the server"
          % (a.file, version, suite,
             ", encrypt_then_mac" if EXT_ETM in exts else "",
             ", resumed" if resumed else "",
             ", %d KeyUpdate" % updates if updates else "", len(c2s), len(s2c)))


if __name__ == "__main__":
    main()
