#!/usr/bin/env python3
"""Checks mailtap's --json output for the end-to-end tests.

  check-json.py valid FILE
      every line is one JSON object of a documented type with exactly its
      documented keys (docs/json.md), in valid UTF-8 with no raw control
      characters.
  check-json.py truth TSV CAPTURE FILE [--decrypted]
      the credentials in FILE are exactly those captures/expected.tsv says
      CAPTURE holds: user, password, mechanism, result; crackable lines are
      checked by recomputing them from the known password. A TLS capture
      with its key log (exposure tls-keylog) holds them only when read
      --decrypted: then its tls event says decrypted and each credential
      says tls; read without, it holds none.
  check-json.py masked TSV CAPTURE FILE
      FILE (made with --mask) never shows the password or token of CAPTURE,
      and shows its masked form.
  check-json.py same A B
      A and B (the same capture, one of them mangled) have the same
      credentials, TLS events and messages, whatever the segmentation.

Exit status 0 when the check holds; otherwise one line per problem.
"""
import base64
import hashlib
import hmac
import json
import os
import re
import struct
import sys

def documented_keys(path):
    """The keys docs/json.md gives each event type: the common keys, and the
    rows of the table under each '## type' heading. The checks below are
    made against the documentation itself, so code and docs cannot drift."""
    keys, section, common = {}, None, set()
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("## "):
                section = line[3:].strip()
                if section != "Common keys":
                    keys[section] = set()
            elif line.startswith("| `") and section:
                cell = line.split("|")[1]
                names = re.findall(r"`([a-z_0-9]+)`", cell)
                (common if section == "Common keys" else keys[section]).update(names)
    return {t: k | common for t, k in keys.items() if k}


KEYS = documented_keys(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "..", "..", "docs", "json.md"))
RESULTS = {"ok": "success", "fail": "failure"}
problems = []


def bad(msg):
    problems.append(msg)


def load(path):
    objs = []
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                bad("%s:%d: not UTF-8: %s" % (path, n, e))
                continue
            if not text.endswith("\n"):
                bad("%s:%d: no newline at the end" % (path, n))
            body = text.rstrip("\n")
            if any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f for c in body):
                bad("%s:%d: raw control character" % (path, n))
            try:
                o = json.loads(body, parse_constant=lambda c: bad("constant " + c))
            except ValueError as e:
                bad("%s:%d: not JSON: %s" % (path, n, e))
                continue
            if not isinstance(o, dict):
                bad("%s:%d: not an object" % (path, n))
                continue
            objs.append(o)
    return objs


def valid(path):
    for o in load(path):
        t = o.get("type")
        if t not in KEYS:
            bad("unknown type %r" % t)
        elif set(o) != KEYS[t]:
            bad("%s keys %s, documented %s" % (t, sorted(o), sorted(KEYS[t])))
        if t == "credential":
            if o["result"] not in ("success", "failure", "unknown"):
                bad("credential result %r" % o["result"])
            if o["proto"] not in ("pop3", "imap", "smtp", "managesieve", "lmtp"):
                bad("credential proto %r" % o["proto"])
            if o["via"] not in ("USER", "APOP", "LOGIN", "AUTH", "AUTHENTICATE"):
                bad("credential via %r" % o["via"])


def truth_row(tsv, capture):
    with open(tsv, encoding="utf-8") as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(head, line.rstrip("\n").split("\t")))
            if row["file"] in (capture, capture + ".pcap", capture + ".pcapng"):
                return row
    sys.exit("check-json: %s has no row for %s" % (tsv, capture))


def truth_rows(tsv, capture):
    """The credentials a capture holds: its row of expected.tsv, or, for a
    capture of several logins, every row of captures/NAME.creds.tsv."""
    many = os.path.join(os.path.dirname(tsv), capture + ".creds.tsv")
    if not os.path.exists(many):
        return [truth_row(tsv, capture)]
    with open(many, encoding="utf-8") as f:
        head = f.readline().rstrip("\n").split("\t")
        return [dict(zip(head, l.rstrip("\n").split("\t"))) for l in f if l.strip()]


def creds(objs):
    return [o for o in objs if o.get("type") == "credential"]


def mech_of(row):
    m = row["mechanism"]
    return {"USER/PASS": "USER"}.get(m, m)


def md4(data):
    """RFC 1320 (OpenSSL 3 no longer offers it); for NTLM's NT hash."""
    def f(x, y, z): return (x & y) | (~x & z)
    def g(x, y, z): return (x & y) | (x & z) | (y & z)
    def h(x, y, z): return x ^ y ^ z
    def rol(v, n): return ((v << n) | (v >> (32 - n))) & 0xffffffff
    msg = data + b"\x80" + b"\0" * ((55 - len(data)) % 64) + struct.pack("<Q", len(data) * 8)
    a, b, c, d = 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476
    for off in range(0, len(msg), 64):
        x = struct.unpack("<16I", msg[off:off + 64])
        aa, bb, cc, dd = a, b, c, d
        for i in range(16):
            k, r = i, (3, 7, 11, 19)[i % 4]
            a, b, c, d = d, rol((a + f(b, c, d) + x[k]) & 0xffffffff, r), b, c
        for i in range(16):
            k, r = (i % 4) * 4 + i // 4, (3, 5, 9, 13)[i % 4]
            a, b, c, d = d, rol((a + g(b, c, d) + x[k] + 0x5a827999) & 0xffffffff, r), b, c
        for i in range(16):
            k = (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15)[i]
            r = (3, 9, 11, 15)[i % 4]
            a, b, c, d = d, rol((a + h(b, c, d) + x[k] + 0x6ed9eba1) & 0xffffffff, r), b, c
        a, b, c, d = [(v + w) & 0xffffffff for v, w in zip((a, b, c, d), (aa, bb, cc, dd))]
    return struct.pack("<4I", a, b, c, d)


def verify_hash(row, c, hello):
    """Recomputes the crackable line from the known password."""
    pw = row["password"].encode()
    h = c["hash"] or ""
    mech = c["mech"]
    if mech == "APOP":
        digest, _, ts = h.partition(":")
        return hashlib.md5(ts.encode() + pw).hexdigest() == digest and ts in hello
    if mech == "CRAM-MD5":
        parts = h.split("$")
        if len(parts) != 4 or parts[1] != "cram_md5":
            return False
        chal = base64.b64decode(parts[2])
        user, _, digest = base64.b64decode(parts[3]).decode().rpartition(" ")
        return user == row["user"] and hmac.new(pw, chal, "md5").hexdigest() == digest
    if mech == "DIGEST-MD5":
        f = h.split("$")
        if len(f) < 10 or f[1] != "DIGEST-MD5":
            return False
        user, realm, nonce, uri, cnonce, nc, qop, resp = f[2:10]
        authz = f[10] if len(f) > 10 else ""
        a1 = hashlib.md5(("%s:%s:%s" % (user, realm, row["password"])).encode()).digest()
        a1 += (":%s:%s" % (nonce, cnonce)).encode()
        if authz:
            a1 += (":" + authz).encode()
        a2 = "AUTHENTICATE:" + uri
        kd = "%s:%s:%s:%s:%s:%s" % (hashlib.md5(a1).hexdigest(), nonce, nc, cnonce, qop,
                                    hashlib.md5(a2.encode()).hexdigest())
        return hashlib.md5(kd.encode()).hexdigest() == resp
    if mech == "NTLM":
        f = h.split(":")
        if len(f) != 6 or f[1] != "":
            return False
        user, domain, chal, proof, blob = f[0], f[2], f[3], f[4], f[5]
        if len(proof) != 32:  # NTLMv1 (24-byte responses): not made by our clients
            return None
        nt = md4(row["password"].encode("utf-16-le"))
        v2 = hmac.new(nt, (user.upper() + domain).encode("utf-16-le"), "md5").digest()
        mine = hmac.new(v2, bytes.fromhex(chal) + bytes.fromhex(blob), "md5").hexdigest()
        return mine == proof and user == row["user"]
    return None  # no way to check it here


CHALLENGES = ("APOP", "CRAM-MD5", "DIGEST-MD5", "NTLM")


def truth(tsv, capture, path, decrypted=False):
    rows = truth_rows(tsv, capture)
    objs = load(path)
    cs = creds(objs)
    if len(rows) > 1:
        # Several logins: each credential is the row of its user and password.
        if len(cs) != len(rows):
            bad("%s: expected %d credentials, found %d" % (capture, len(rows), len(cs)))
            return
        left = list(rows)
        for c in cs:
            r = [x for x in left if x["user"] == c["user"] and x["password"] == c["password"]]
            if not r:
                bad("%s: credential %r %r in no row" % (capture, c["user"], c["password"]))
                continue
            left.remove(r[0])
            check_one(r[0], [c], objs, capture, path, decrypted)
        return
    check_one(rows[0], cs, objs, capture, path, decrypted)


def check_one(row, cs, objs, capture, path, decrypted):
    exp = row["exposure"]
    tls = [o for o in objs if o.get("type") == "tls"]
    inside = exp == "tls-keylog" and decrypted
    if inside:
        # Decrypted, a TLS login is checked as the same login in the clear.
        exp = "challenge-response" if row["mechanism"] in CHALLENGES else "cleartext"
        if len(tls) != 1 or not tls[0]["decrypted"] or tls[0]["reason"] != "decrypted":
            bad("%s: the tls event does not say decrypted: %r" % (capture, tls))
    elif exp == "tls-keylog" and tls and tls[0]["decrypted"]:
        bad("%s: decrypted without its key log" % capture)
    for c in cs:
        if c["tls"] != inside:
            bad("%s: credential says tls %r" % (capture, c["tls"]))
    # tls-keylog read without its key log is checked as a TLS capture.
    if exp in ("tls", "tls-keylog", "none"):
        if cs:
            bad("%s: expected no credential, found %s" % (capture, cs))
        if exp != "none" and not any(o.get("type") == "tls" for o in objs):
            bad("%s: no tls event" % capture)
        return
    if len(cs) != 1:
        bad("%s: expected one credential, found %d: %s" % (capture, len(cs), cs))
        return
    c = cs[0]
    want_result = RESULTS.get(row["result"], row["result"])
    if c["result"] != want_result:
        bad("%s: result %s, expected %s" % (capture, c["result"], want_result))
    if c["mech"] != mech_of(row):
        bad("%s: mech %s, expected %s" % (capture, c["mech"], mech_of(row)))
    want_user = None if row["user"] == "-" else row["user"]
    if c["user"] != want_user:
        bad("%s: user %r, expected %r" % (capture, c["user"], want_user))
    if exp in ("cleartext", "token"):
        if c["password"] != row["password"]:
            bad("%s: password %r, expected %r" % (capture, c["password"], row["password"]))
    elif exp == "challenge-response":
        if c["password"] is not None:
            bad("%s: password %r exposed by a challenge-response" % (capture, c["password"]))
        greeting = " ".join(o["text"] for o in objs if o.get("type") == "message"
                            and o["dir"] == "server")
        ok = verify_hash(row, c, greeting)
        if ok is False:
            bad("%s: hash line %r does not verify with the password" % (capture, c["hash"]))
        elif ok is None and not c["hash"]:
            bad("%s: no hash line" % capture)
    elif exp in ("trace", "identity"):
        if c["password"] is not None or c["hash"] is not None:
            bad("%s: a secret reported where only a user name is exposed: %r %r"
                % (capture, c["password"], c["hash"]))
    else:
        bad("%s: unknown exposure %r" % (capture, exp))


def mask_of(s):
    cs = list(s)
    if len(cs) <= 2:
        return "*" * len(s.encode())
    return cs[0] + "*" * len(s[1:-1].encode()) + cs[-1]


def masked(tsv, capture, path, decrypted=False):
    rows = truth_rows(tsv, capture)
    objs = load(path)
    cs = creds(objs)
    want = []
    for row in rows:
        readable = row["exposure"] in ("cleartext", "token") or (
            decrypted and row["exposure"] == "tls-keylog" and row["mechanism"] not in CHALLENGES)
        if not readable:
            continue
        pw = row["password"]
        want.append(mask_of(pw))
        for o in objs:
            for k, v in o.items():
                if isinstance(v, str) and pw in v:
                    bad("%s: %s %s shows the password with --mask" % (capture, o["type"], k))
    if want and sorted(c["password"] or "" for c in cs) != sorted(want):
        bad("%s: masked passwords %r, expected %r" % (capture, [c["password"] for c in cs],
                                                       want))


def summary(objs):
    """What must not depend on segmentation: each session's events, in
    order, keyed by its client endpoint (sessions that run at once may start, and
    so be numbered, in another order when their packets are mixed)."""
    ends, out = {}, {}
    for o in objs:
        t = o.get("type")
        if t == "session_start":
            ends[o["session"]] = o["client"]
        key = ends.get(o.get("session"))
        if t == "credential":
            ev = ("cred", o["mech"], o["user"], o["password"], o["hash"], o["result"],
                  o["starttls_offered"])
        elif t == "tls":
            ev = ("tls", o["version"], o["sni"])
        elif t == "message":
            ev = ("msg", o["dir"], o["kind"], o["label"], o["text"], o["partial"], o["truncated"])
        else:
            continue
        out.setdefault(key, []).append(ev)
    return out


def same(a, b):
    sa, sb = summary(load(a)), summary(load(b))
    if sorted(sa, key=str) != sorted(sb, key=str):
        bad("sessions %s vs %s" % (sorted(sa, key=str), sorted(sb, key=str)))
        return
    for key in sorted(sa, key=str):
        x, y = sa[key], sb[key]
        if x != y:
            for i, (e, f) in enumerate(zip(x, y)):
                if e != f:
                    bad("session %s: event %d differs: %r vs %r" % (key, i, e, f))
                    break
            else:
                bad("session %s: %d events vs %d" % (key, len(x), len(y)))
            return


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "valid" and len(argv) == 3:
        valid(argv[2])
    elif cmd == "truth" and len(argv) in (5, 6):
        truth(argv[2], argv[3], argv[4], argv[5:] == ["--decrypted"])
    elif cmd == "masked" and len(argv) in (5, 6):
        masked(argv[2], argv[3], argv[4], argv[5:] == ["--decrypted"])
    elif cmd == "same" and len(argv) == 4:
        same(argv[2], argv[3])
    else:
        sys.exit(__doc__)
    for p in problems[:10]:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
