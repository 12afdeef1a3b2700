#!/usr/bin/python3
"""One LMTP (RFC 2033) delivery with Python's smtplib.LMTP, for
../ext-scenarios.sh: LHLO, MAIL FROM, one RCPT TO per --to, DATA with the
message, then one reply per accepted recipient (smtplib's sendmail() reads
only one, so the commands are driven one by one), QUIT.
Exits non-zero unless every recipient got a 250 after DATA.
"""
import argparse
import smtplib
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--from", dest="sender", required=True)
    ap.add_argument("--to", action="append", required=True)
    ap.add_argument("--message", required=True)
    ap.add_argument("--lhlo", default="client.example.test")
    a = ap.parse_args()
    with open(a.message, "rb") as f:
        msg = f.read()
    s = smtplib.LMTP(a.host, a.port, local_hostname=a.lhlo)
    s.set_debuglevel(1)
    code, _ = s.ehlo()            # LMTP's ehlo() sends LHLO
    if code != 250:
        raise SystemExit("LHLO refused")
    code, r = s.mail(a.sender)
    if code != 250:
        raise SystemExit("MAIL refused: %r" % r)
    accepted = []
    for rcpt in a.to:
        code, r = s.rcpt(rcpt)
        if code == 250:
            accepted.append(rcpt)
    code, r = s.data(msg)         # the first recipient's reply
    replies = [(code, r)]
    for _ in accepted[1:]:
        replies.append(s.getreply())
    sys.stderr.write("per-recipient replies: %r\n" % replies)
    s.quit()
    if len(accepted) != len(a.to) or any(c != 250 for c, _ in replies):
        raise SystemExit("delivery failed: %r" % replies)


if __name__ == "__main__":
    main()
