#!/usr/bin/env python3
"""check-extensions.py - what the captures of the protocol extensions must
show, asserted on mailtap's --json (beyond matching the expected outputs):

  MAILTAP=./mailtap tests/e2e/check-extensions.py

- COMPRESS=DEFLATE: after the OK to COMPRESS the commands are labelled
  (SELECT, FETCH, LOGOUT), the FETCH body is content (its quoted LOGIN is a
  body line), and the only login is the one before compression;
- ManageSieve: proto managesieve (also on another port, by its greeting); a
  script quoting a login is content, not a credential;
- a POP3 burst: 21 logins, 20 failed and 1 successful;
- software: IMAP ID both ways, the EHLO name of a relaying MTA, in software
  events and in session_end alike;
- JA4: every tls event has one, equal to what tests/tools/ja4.py (written
  from the specification, not from mailtap) computes from the same hello;
- GSSAPI: a login with its service and no secret; LMTP: proto lmtp, one
  reply per recipient."""
import glob
import json
import os
import re
import subprocess
import sys

BIN = os.environ.get("MAILTAP", "./mailtap")
failures = 0


def bad(msg):
    global failures
    failures += 1
    print("FAIL: " + msg)


def events(cap):
    keys = cap.rsplit(".", 1)[0] + ".keys"
    args = [BIN, "-q", "-r", cap, "--json"] + (["--keylog", keys] if os.path.exists(keys) else [])
    out = subprocess.run(args, stdout=subprocess.PIPE, check=True).stdout.decode()
    return [json.loads(l) for l in out.splitlines()]


def of(evs, t):
    return [e for e in evs if e["type"] == t]


def compress():
    evs = events("captures/imap-compress-deflate.pcap")
    msgs = of(evs, "message")
    at = next(i for i, m in enumerate(msgs) if m["label"] == "OK" and "compression" in m["text"])
    after = {m["label"] for m in msgs[at + 1:] if m["dir"] == "client"}
    for label in ("SELECT", "FETCH", "LOGOUT"):
        if label not in after:
            bad("compress: no %s after COMPRESS (labels %s)" % (label, sorted(after)))
    decoy = [m for m in msgs[at + 1:] if "LOGIN mallory Decoy-Pass" in m["text"]]
    if not decoy or any(m["kind"] != "body" for m in decoy):
        bad("compress: the quoted LOGIN is not read as a body line: %r" % decoy)
    creds = [(c["user"], c["password"]) for c in of(evs, "credential")]
    if creds != [("wanda", "Wanda-Deflate-25")]:
        bad("compress: credentials %r" % creds)


def sieve():
    for cap in glob.glob("captures/sieve-*.pcap"):
        protos = {e["proto"] for e in of(events(cap), "session_start")}
        if protos != {"managesieve"}:
            bad("%s: proto %s" % (cap, protos))
    evs = events("captures/sieve-putscript-decoy.pcap")
    users = [c["user"] for c in of(evs, "credential")]
    if users != ["abel"]:
        bad("sieve-putscript-decoy: credentials of %r" % users)
    body = [m for m in of(evs, "message") if "AUTHENTICATE" in m["text"] and m["kind"] == "body"]
    if len(body) != 2:  # the upload and the download
        bad("sieve-putscript-decoy: %d script lines quoting AUTHENTICATE as content" % len(body))


def burst():
    cs = of(events("captures/pop3-burst-parallel.pcap"), "credential")
    results = sorted(c["result"] for c in cs)
    if results != ["failure"] * 20 + ["success"]:
        bad("pop3-burst-parallel: results %r" % results)


def software():
    evs = events("captures/imap-id.pcap")
    sw = {(e["side"], e["name"], e["source"]) for e in of(evs, "software")}
    for want in (("client", "Thunderbird 115.6.0", "id"), ("server", "Dovecot 2.3.19.1", "id"),
                 ("server", "Dovecot (Debian)", "greeting")):
        if want not in sw:
            bad("imap-id: no software event %r in %r" % (want, sw))
    end = of(evs, "session_end")[0]
    if (end["client_software"], end["server_software"]) != ("Thunderbird 115.6.0",
                                                            "Dovecot 2.3.19.1"):
        bad("imap-id: session_end says %r %r" % (end["client_software"], end["server_software"]))
    end = of(events("captures/smtp-relay-port25-auth.pcap"), "session_end")[0]
    if end["client_software"] != "relay.example.test" or not end["server_software"]:
        bad("smtp-relay-port25-auth: software %r %r" % (end["client_software"],
                                                         end["server_software"]))


def ja4():
    n = 0
    for cap in sorted(glob.glob("captures/*.pcap") + glob.glob("captures/*.pcapng")):
        tls = of(events(cap), "tls")
        if not tls:
            continue
        ref = subprocess.run([sys.executable, "tests/tools/ja4.py", cap],
                             stdout=subprocess.PIPE, check=True).stdout.decode().split()
        want = [w for w in ref if re.match(r"^t1[0-3][di]\d{4}", w)]
        got = [t["ja4"] for t in tls]
        n += len(got)
        if got != want:
            bad("%s: JA4 %r, the reference says %r" % (cap, got, want))
    if n == 0:
        bad("no tls event in the captures")
    return n


def gssapi_lmtp():
    cs = of(events("captures/imap-authenticate-gssapi.pcap"), "credential")
    if len(cs) != 1 or cs[0]["mech"] != "GSSAPI" or cs[0]["password"] is not None or \
            cs[0]["hash"] is not None or cs[0]["result"] != "success" or \
            cs[0]["service"] != "imap/mail.example.test@MAILTAP.TEST":
        bad("gssapi: %r" % cs)
    evs = events("captures/lmtp-delivery.pcap")
    if {e["proto"] for e in of(evs, "session_start")} != {"lmtp"}:
        bad("lmtp-delivery: not lmtp")
    msgs = of(evs, "message")
    dot = next(i for i, m in enumerate(msgs) if m["dir"] == "client" and m["label"] == ".")
    replies = [m["label"] for m in msgs[dot + 1:] if m["dir"] == "server"]
    if replies[:3] != ["250", "250", "221"]:
        bad("lmtp-delivery: replies after the message %r" % replies)


def main():
    compress()
    sieve()
    burst()
    software()
    n = ja4()
    gssapi_lmtp()
    print("extensions: %d JA4 checked against the reference, %d failures" % (n, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
