#!/usr/bin/python3
"""Drive one SMTP submission session with Python's standard smtplib.

Used by ../make-captures.sh: EHLO, AUTH PLAIN *without* initial response
(smtplib.auth(..., initial_response_ok=False): the client sends
"AUTH PLAIN", waits for "334 " and then sends the base64 blob), then
MAIL FROM / RCPT TO / DATA with the message read from a file, then QUIT.
--tls implicit (SMTP_SSL, port 465) or --tls starttls (STARTTLS, then EHLO
again), with the TLS options of tlsctx.py.
"""
import argparse
import smtplib
import socket

import tlsctx


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("user")
    ap.add_argument("password")
    ap.add_argument("--from", dest="mail_from", required=True)
    ap.add_argument("--to", required=True)
    ap.add_argument("--message", required=True)
    tlsctx.add_args(ap)
    a = ap.parse_args()

    socket.setdefaulttimeout(20)
    name = "client.example.test"
    s = tlsctx.connect(a, lambda: smtplib.SMTP(a.host, a.port, local_hostname=name),
                       lambda ctx: smtplib.SMTP_SSL(a.host, a.port, local_hostname=name,
                                                    context=ctx),
                       lambda s, ctx: (s.ehlo(), s.starttls(context=ctx)))
    s.ehlo()
    s.user, s.password = a.user, a.password
    code, resp = s.auth("PLAIN", s.auth_plain, initial_response_ok=False)
    if code != 235:
        raise SystemExit("AUTH failed: %r %r" % (code, resp))
    with open(a.message, "rb") as f:
        msg = f.read()
    s.sendmail(a.mail_from, [a.to], msg)
    s.quit()


if __name__ == "__main__":
    main()
