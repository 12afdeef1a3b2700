#!/usr/bin/env python3
"""check-report.py - the audit report (--report) on the bundled captures:

  MAILTAP=./mailtap tests/e2e/check-report.py

- its JSON has exactly the keys docs/report.md documents, section by section;
- the findings the captures call for, with their counts, servers, clients and
  evidence (and none they do not call for);
- --mask leaves no password in any of the three formats;
- the text fits 80 columns;
- the HTML is self-contained (no script, nothing fetched) and, opened in a real
  headless browser (chromium), holds the findings, servers and accounts, shows
  a user name made of markup as text, and draws a page that is not blank.
Exit status 1 on any failure."""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

BIN = os.environ.get("MAILTAP", "./mailtap")
DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "report.md")
failures = 0
checks = 0


def bad(msg):
    global failures
    failures += 1
    print("FAIL: " + msg)


def ok(cond, msg):
    global checks
    checks += 1
    if not cond:
        bad(msg)


def run(caps, fmt="json", extra=()):
    args = [BIN, "-q"]
    for c in caps:
        args += ["-r", c] if len(caps) == 1 else []
    if len(caps) > 1:  # several captures: merged by time, as a tap sees them
        merged = os.path.join(TMP, "merged.pcap")
        subprocess.run([sys.executable, "scripts/merge-pcaps.py", merged] + list(caps), check=True)
        args += ["-r", merged]
    keys = caps[0].rsplit(".", 1)[0] + ".keys"
    if len(caps) == 1 and os.path.exists(keys):
        args += ["--keylog", keys]
    args += ["--report=" + fmt] + list(extra)
    out = subprocess.run(args, stdout=subprocess.PIPE, check=True).stdout.decode()
    return json.loads(out) if fmt == "json" else out


def documented():
    """Keys of each '### name' table (and the top-level table) in docs/report.md."""
    keys, section = {}, None
    with open(DOC, encoding="utf-8") as f:
        for line in f:
            if line.startswith("## JSON"):
                section = "top"
                keys[section] = set()
            elif line.startswith("### ") and section:
                section = line[4:].strip()
                keys[section] = set()
            elif line.startswith("## ") and section:
                section = None
            elif line.startswith("| `") and section:
                keys[section].update(re.findall(r"`([a-z_0-9]+)`", line.split("|")[1]))
    return keys


def check_keys(rep, where):
    doc = documented()
    ok(set(rep) == doc["top"], "%s: top keys %s, documented %s" % (where, sorted(rep), sorted(doc["top"])))
    ok(set(rep["overview"]) == doc["overview"],
       "%s: overview keys %s" % (where, sorted(set(rep["overview"]) ^ doc["overview"])))
    for name in ("findings", "servers", "accounts"):
        for o in rep[name]:
            ok(set(o) == doc[name], "%s: %s keys differ: %s" % (where, name, sorted(set(o) ^ doc[name])))


def findings(rep, fid):
    return [f for f in rep["findings"] if f["id"] == fid]


def ids(rep):
    return sorted({f["id"] for f in rep["findings"]})


def main():
    # One cleartext IMAP login while STARTTLS was offered.
    rep = run(["captures/imap-login-ok.pcap"])
    check_keys(rep, "imap-login-ok")
    ok(ids(rep) == ["auth-offered-in-clear", "cleartext-login-accepted", "starttls-ignored"],
       "imap-login-ok: findings %s" % ids(rep))
    f = findings(rep, "starttls-ignored")
    ok(len(f) == 1 and f[0]["client"] == "127.0.0.1" and f[0]["server"] == "127.0.0.1:143"
       and f[0]["severity"] == "high" and f[0]["count"] == 1 and f[0]["evidence"][0]["session"] == 1,
       "imap-login-ok: starttls-ignored %r" % f)
    ok("Dovecot" in findings(rep, "cleartext-login-accepted")[0]["fix"], "imap-login-ok: fix not Dovecot's")
    ok(rep["overview"]["packets"] == 20 and rep["overview"]["sessions"] == 1,
       "imap-login-ok: overview %r" % rep["overview"])
    acc = rep["accounts"]
    ok(len(acc) == 1 and acc[0]["user"] == "alice" and acc[0]["cleartext"] == 1
       and acc[0]["results"]["success"] == 1 and acc[0]["secrets"] == ["Wonderland-42"],
       "imap-login-ok: accounts %r" % acc)
    srv = rep["servers"]
    ok(len(srv) == 1 and srv[0]["software"] == "Dovecot (Debian)" and srv[0]["cleartext_logins"]["accepted"] == 1
       and srv[0]["starttls_offered"] == 1 and "PLAIN" in srv[0]["mechanisms_in_clear"],
       "imap-login-ok: servers %r" % srv)

    # Crackable: CRAM-MD5; and a TLS login read with its key log is no cleartext one.
    rep = run(["captures/imap-authenticate-cram-md5.pcap"])
    f = findings(rep, "crackable-login")
    ok(len(f) == 1 and f[0]["count"] == 1 and f[0]["severity"] == "medium", "cram-md5: %r" % f)
    ok(not findings(rep, "cleartext-login-accepted"), "cram-md5: cleartext-login-accepted")
    rep = run(["captures/imaps-tls13-login-keylog.pcap"])
    ok(not findings(rep, "cleartext-login-accepted") and rep["overview"]["decrypted"] == 1
       and rep["accounts"][0]["inside_tls"] == 1, "imaps keylog: %s %r" % (ids(rep), rep["accounts"]))

    # The burst: 20 failures from one client against one account, then the success.
    rep = run(["captures/pop3-burst-parallel.pcap"])
    check_keys(rep, "pop3-burst-parallel")
    g = findings(rep, "password-guessing")
    ok(sorted((x["client"] or "", x["user"] or "", x["count"]) for x in g) ==
       [("", "fiona", 20), ("127.0.0.1", "", 20)], "burst: password-guessing %r" % g)
    ok(all(len(x["evidence"]) == 8 for x in g), "burst: evidence %r" % g)
    ok(rep["accounts"][0]["results"] == {"success": 1, "failure": 20, "unknown": 0},
       "burst: account results %r" % rep["accounts"])
    rep = run(["captures/pop3-burst-parallel.pcap"], extra=["--guess-failures", "21"])
    ok(not findings(rep, "password-guessing"), "burst: --guess-failures 21 still finds guessing")

    # Several clients and servers at once (merged by time).
    rep = run(MERGED)
    check_keys(rep, "merged")
    servers = sorted(s["server"] for s in rep["servers"])
    ok(servers == ["127.0.0.1:110", "127.0.0.1:143", "127.0.0.1:587", "127.0.0.1:993", "[::1]:143"],
       "merged: servers %s" % servers)
    clear = sorted(f["server"] for f in findings(rep, "cleartext-login-accepted"))
    ok(clear == ["127.0.0.1:110", "127.0.0.1:143", "127.0.0.1:587", "[::1]:143"],
       "merged: cleartext-login-accepted on %s" % clear)
    ign = sorted((f["server"], f["client"], f["count"]) for f in findings(rep, "starttls-ignored"))
    ok(ign == [("127.0.0.1:143", "127.0.0.1", 2), ("127.0.0.1:587", "127.0.0.1", 1),
               ("[::1]:143", "::1", 1)], "merged: starttls-ignored %s" % ign)
    users = sorted((a["user"], a["server"]) for a in rep["accounts"])
    ok(len(users) == 5 and ("bob", "[::1]:143") in users, "merged: accounts %s" % users)
    ok(rep["overview"]["sessions"] == 6 and rep["overview"]["implicit_tls"] == 1,
       "merged: overview %r" % rep["overview"])

    # Real clients at once (captures/README.md, report-many-clients): four
    # servers took logins in the clear while offering STARTTLS; the STARTTLS
    # and IMAPS logins stay unseen without keys.
    rep = run(["captures/report-many-clients.pcap"])
    check_keys(rep, "report-many-clients")
    ok(sorted(s["server"] for s in rep["servers"]) ==
       ["127.0.0.1:110", "127.0.0.1:143", "127.0.0.1:587", "127.0.0.1:993", "[::1]:143"],
       "many: servers %s" % [s["server"] for s in rep["servers"]])
    ok(sorted(a["user"] for a in rep["accounts"]) == ["ada", "basil", "cora", "dmitri"],
       "many: accounts %s" % [a["user"] for a in rep["accounts"]])
    ok(sorted(f["server"] for f in findings(rep, "cleartext-login-accepted")) ==
       ["127.0.0.1:110", "127.0.0.1:143", "127.0.0.1:587", "[::1]:143"], "many: cleartext-login-accepted")
    ok(sorted((f["server"], f["client"]) for f in findings(rep, "starttls-ignored")) ==
       [("127.0.0.1:110", "127.0.0.1"), ("127.0.0.1:143", "127.0.0.1"), ("127.0.0.1:587", "127.0.0.1"),
        ("[::1]:143", "::1")], "many: starttls-ignored %r" % findings(rep, "starttls-ignored"))
    ada = [a for a in rep["accounts"] if a["user"] == "ada"][0]
    ok(ada["results"] == {"success": 1, "failure": 1, "unknown": 0}, "many: ada %r" % ada)
    ok(rep["overview"]["sessions"] == 7 and rep["overview"]["tls_not_read"] == 2,
       "many: overview %r" % rep["overview"])

    # Servers that refuse logins before TLS: the good configuration, said so;
    # a client that sent its password anyway still ignored STARTTLS.
    for cap, clear in (("captures/imap-logindisabled.pcap", True),
                       ("captures/pop3-user-refused-clear.pcap", True),
                       ("captures/smtp-auth-after-starttls-only-keylog.pcap", False)):
        rep = run([cap])
        f = findings(rep, "login-requires-tls")
        ok(len(f) == 1 and f[0]["severity"] == "info", "%s: login-requires-tls %r" % (cap, f))
        ok(not findings(rep, "cleartext-login-accepted") and not findings(rep, "auth-offered-in-clear"),
           "%s: %s" % (cap, ids(rep)))
        ok(bool(findings(rep, "starttls-ignored")) == clear, "%s: starttls-ignored %s" % (cap, ids(rep)))
    ok(rep["accounts"][0]["inside_tls"] == 1, "smtp-auth-after-starttls-only: %r" % rep["accounts"])

    # STARTTLS accepted, and the client went on in the clear.
    for cap in ("captures/smtp-starttls-no-tls.pcap", "captures/imap-starttls-no-tls.pcap"):
        f = findings(run([cap]), "starttls-failed")
        ok(len(f) == 1 and f[0]["client"] == "127.0.0.1" and f[0]["severity"] == "high",
           "%s: starttls-failed %r" % (cap, f))

    # TLS 1.0 and 1.1 chosen by the server.
    for cap, v in (("captures/imaps-tls10-keylog.pcap", "TLS 1.0"), ("captures/imaps-tls11-keylog.pcap", "TLS 1.1")):
        rep = run([cap])
        ok(len(findings(rep, "old-tls")) == 1 and rep["servers"][0]["tls_versions"] == [v],
           "%s: %s %r" % (cap, ids(rep), rep["servers"][0]["tls_versions"]))
    ok(not findings(run(["captures/imaps-tls13-login-keylog.pcap"]), "old-tls"), "TLS 1.3 is old-tls")

    # Certificates (TLS 1.2, in the clear): expired, self-signed, a CA's.
    for cap, want in (("captures/imaps-tls12-cert-expired-keylog.pcap", ["cert-expired"]),
                      ("captures/imaps-tls12-cert-self-signed-keylog.pcap", ["cert-self-signed"]),
                      ("captures/imaps-tls12-cert-ca-signed-keylog.pcap", [])):
        rep = run([cap])
        c = rep["servers"][0]["certificate"]
        ok(ids(rep) == want and c and c["subject"].startswith("CN=mail.example.test"),
           "%s: %s %r" % (cap, ids(rep), c))
    c = run(["captures/imaps-tls12-cert-expired-keylog.pcap"])["servers"][0]["certificate"]
    ok(c["not_after"] == "2021-01-01T00:00:00.000000Z" and c["expired"] and not c["self_signed"]
       and c["issuer"] == "CN=Mailtap Test Root CA,O=Mailtap Test CA", "cert-expired: %r" % c)

    # --report-file (0600, replaced whole), rewritten --report-every SECS:
    # the last one is the report of the whole capture.
    path = os.path.join(TMP, "every.json")
    subprocess.run([BIN, "-q", "-r", "captures/pop3-burst-parallel.pcap", "--report=json",
                    "--report-file", path, "--report-every", "1"], check=True)
    ok(oct(os.stat(path).st_mode & 0o777) == "0o600" and not os.path.exists(path + ".tmp")
       and json.load(open(path)) == run(["captures/pop3-burst-parallel.pcap"]),
       "--report-file: not 0600, or not the same report")

    # A mechanism name with a quote in it stays valid JSON.
    q = os.path.join(TMP, "quote.pcap")
    subprocess.run([sys.executable, "tests/tools/pcap-dialog.py", q, "--port", "143",
                    "S:* OK [CAPABILITY IMAP4rev1 AUTH=X\"Y AUTH=PLAIN] hi\\r\\n", "C:a LOGOUT\\r\\n",
                    "S:a OK bye\\r\\n"], check=True, stdout=subprocess.DEVNULL)
    ok(run([q])["servers"][0]["mechanisms_in_clear"] == ['X"Y', "PLAIN"], "a quoted mechanism name")

    # --mask: no password anywhere, in any format.
    for fmt in ("json", "text", "html"):
        out = run(["captures/imap-login-ok.pcap"], fmt, ["--mask"])
        text = json.dumps(out) if fmt == "json" else out
        ok("Wonderland-42" not in text and "W***********2" in text, "--mask %s shows the password" % fmt)

    # Text: 80 columns.
    longu = os.path.join(TMP, "long-user.pcap")
    subprocess.run([sys.executable, "tests/tools/pcap-dialog.py", longu, "--port", "143",
                    "S:* OK ready\\r\\n", "C:a1 LOGIN " + "u" * 95 + "\u00e9" * 20 + " pw\\r\\n",
                    "S:a1 NO no\\r\\n"], check=True, stdout=subprocess.DEVNULL)
    for line in run([longu], "text").split("\n"):
        ok(len(line.encode()) <= 80, "a long user name: a line of %d bytes" % len(line.encode()))
        line.encode().decode("utf-8")  # whole UTF-8 sequences on each line
    for cap in ("captures/pop3-burst-parallel.pcap", "captures/smtp-auth-ntlm.pcap",
                "captures/smtp-starttls-tls12-cbc-sha1-noetm-login-fail-keylog.pcap",
                "captures/report-many-clients.pcap", "captures/imaps-tls12-cert-expired-keylog.pcap"):
        long_lines = [l for l in run([cap], "text").split("\n") if len(l) > 80]
        ok(not long_lines, "%s: text lines over 80 columns: %r" % (cap, long_lines[:2]))

    html_checks()
    print("report: %d checks, %d failures" % (checks, failures))
    return 1 if failures else 0


def png_colours(path):
    """Distinct pixel values in a PNG's first rows (enough to tell a blank page)."""
    data = open(path, "rb").read()
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IHDR":
            width, _, depth, ctype = struct.unpack(">IIBB", data[pos + 8:pos + 18])
        elif kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + n]
        pos += 12 + n
    raw = zlib.decompress(idat)
    return len(set(raw[i:i + 1] for i in range(0, min(len(raw), width * 4 * 200), 7)))


MERGED = ["captures/imap-login-ok.pcap", "captures/imap-login-ok-ipv6.pcap",
          "captures/pop3-user-pass-ok.pcap", "captures/smtp-auth-plain-ok.pcap",
          "captures/imap-login-fail.pcap", "captures/imaps-993.pcap"]


def html_checks():
    html = run(["captures/pop3-burst-parallel.pcap"], "html")
    merged = run(MERGED, "html")
    for word in ("<script", "<link", "<img", "@import", "url(", "http://", "https://", " src="):
        ok(word not in html.lower(), "html: contains %r" % word)
    ok("default-src 'none'" in html, "html: no Content-Security-Policy")
    # A user name made of markup is text.
    cap = os.path.join(TMP, "markup.pcap")
    subprocess.run([sys.executable, "tests/tools/pcap-dialog.py", cap, "--port", "143",
                    "S:* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\\r\\n",
                    "C:a1 LOGIN \"<img src=x onerror=alert(1)>\" \"p<b>w\"\\r\\n",
                    "S:a1 NO [AUTHENTICATIONFAILED] Authentication failed.\\r\\n"],
                   check=True, stdout=subprocess.DEVNULL)
    markup = run([cap], "html")
    real = run(["captures/imap-login-html-user.pcap"], "html")
    ok("<img" not in real and "&lt;img src=x onerror=alert(1)&gt;" in real,
       "html: imap-login-html-user's user name is not escaped")
    ok("<img" not in markup and "&lt;img src=x onerror=alert(1)&gt;" in markup,
       "html: the markup user name is not escaped")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        bad("chromium is not installed (make check installs it)")
        return
    many = run(["captures/report-many-clients.pcap"], "html")
    cram = run(["captures/imap-authenticate-cram-md5.pcap"], "html")
    for name, page in (("burst", html), ("markup", markup), ("merged", merged), ("real", real),
                       ("many", many), ("cram", cram)):
        path = os.path.join(TMP, name + ".html")
        with open(path, "w", encoding="utf-8") as f:
            f.write(page)
        base = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--user-data-dir=" + os.path.join(TMP, "profile")]
        dom = subprocess.run(base + ["--dump-dom", "file://" + path], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, timeout=120).stdout.decode()
        if name == "burst":
            ok('data-id="password-guessing"' in dom and 'id="servers"' in dom
               and "127.0.0.2:110" in dom and '<td class="user">fiona</td>' in dom,
               "browser: the DOM lacks findings, servers or accounts")
        elif name == "merged":
            for want in ('data-id="starttls-ignored"', 'data-id="cleartext-login-accepted"',
                         "[::1]:143", "127.0.0.1:587", "127.0.0.1:993", '<td class="user">bob</td>'):
                ok(want in dom, "browser: the merged report's DOM lacks %s" % want)
        elif name == "many":
            for want in ('data-id="starttls-ignored"', 'data-id="cleartext-login-accepted"',
                         "[::1]:143", "127.0.0.1:110", '<td class="user">dmitri</td>',
                         '<td class="user">basil</td>'):
                ok(want in dom, "browser: report-many-clients' DOM lacks %s" % want)
        elif name == "cram":
            ok('data-id="crackable-login"' in dom and '<td class="user">victor</td>' in dom,
               "browser: the CRAM-MD5 report's DOM lacks its finding or account")
        elif name == "real":
            ok("<img" not in dom and '<td class="user">&lt;img src=x onerror=alert(1)&gt;</td>' in dom,
               "browser: imap-login-html-user's markup user name is not text in the DOM")
        else:
            ok("<img" not in dom and '<td class="user">&lt;img src=x onerror=alert(1)&gt;</td>' in dom,
               "browser: the markup user name is not text in the DOM")
        shot = os.path.join(TMP, name + ".png")
        subprocess.run(base + ["--screenshot=" + shot, "--window-size=1280,900", "file://" + path],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        ok(os.path.exists(shot) and png_colours(shot) > 8, "browser: %s screenshot blank" % name)


if __name__ == "__main__":
    TMP = tempfile.mkdtemp()
    try:
        rc = main()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(rc)
