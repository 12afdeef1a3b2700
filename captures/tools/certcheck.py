#!/usr/bin/python3
"""Check the server certificate that a TLS 1.2 (or older) capture shows in
the clear, with tshark (which reassembles the Certificate message) and
`openssl x509` (which parses it): neither is mailtap.

  certcheck.py FILE [--count N] [--subject TEXT] [--issuer TEXT]
               [--not-before TEXT] [--not-after TEXT] [--self-signed | --ca-signed]
               [--expired-at UNIX-TIME | --valid-at UNIX-TIME]

--count: the Certificate message holds exactly N certificates (default 1).
--subject / --issuer TEXT: openssl's one-line form (RFC 2253, e.g.
"CN=mail.example.test,O=Mailtap") of the first certificate must equal TEXT;
--not-before / --not-after: openssl's date ("Jan  1 00:00:00 2020 GMT").
--self-signed: subject == issuer and the certificate verifies with its own
key; --ca-signed: it does not.  --expired-at T: notAfter < T (e.g. the
capture's first packet); --valid-at T: notBefore <= T <= notAfter.
Prints the certificate's subject, issuer and dates; exits 1 on any failure.
"""
import argparse
import calendar
import subprocess
import sys
import tempfile
import time


def tshark(args):
    p = subprocess.run(["tshark", "-n", "-r"] + args, capture_output=True, text=True)
    if p.returncode:
        raise SystemExit("tshark failed: %s" % p.stderr.strip()[-300:])
    return p.stdout


def openssl(args, der):
    p = subprocess.run(["openssl"] + args, input=der, capture_output=True)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--subject")
    ap.add_argument("--issuer")
    ap.add_argument("--not-before")
    ap.add_argument("--not-after")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--self-signed", dest="selfsigned", action="store_true", default=None)
    g.add_argument("--ca-signed", dest="selfsigned", action="store_false")
    h = ap.add_mutually_exclusive_group()
    h.add_argument("--expired-at", type=float)
    h.add_argument("--valid-at", type=float)
    a = ap.parse_args()

    out = tshark([a.file, "-Y", "tls.handshake.type == 11", "-T", "fields",
                  "-e", "tls.handshake.certificate"]).split()
    if len(out) != 1:
        raise SystemExit("%s: FAIL: %d frames with a Certificate message" % (a.file, len(out)))
    certs = [bytes.fromhex(c.replace(":", "")) for c in out[0].split(",")]
    errors = []
    if len(certs) != a.count:
        errors.append("%d certificates, expected %d" % (len(certs), a.count))
    rc, text, err = openssl(["x509", "-inform", "DER", "-noout", "-nameopt", "RFC2253",
                             "-subject", "-issuer", "-startdate", "-enddate"], certs[0])
    if rc:
        raise SystemExit("%s: FAIL: openssl x509: %s" % (a.file, err.strip()))
    f = dict(l.split("=", 1) for l in text.splitlines() if "=" in l)
    subject, issuer = f["subject"].strip(), f["issuer"].strip()
    nb, na = f["notBefore"].strip(), f["notAfter"].strip()
    if a.subject is not None and subject != a.subject:
        errors.append("subject %r, expected %r" % (subject, a.subject))
    if a.issuer is not None and issuer != a.issuer:
        errors.append("issuer %r, expected %r" % (issuer, a.issuer))
    if a.not_before is not None and nb != a.not_before:
        errors.append("notBefore %r, expected %r" % (nb, a.not_before))
    if a.not_after is not None and na != a.not_after:
        errors.append("notAfter %r, expected %r" % (na, a.not_after))
    with tempfile.NamedTemporaryFile(suffix=".pem") as pem:
        rc, p, _ = openssl(["x509", "-inform", "DER"], certs[0])
        pem.write(p.encode())
        pem.flush()
        rc, _, _ = openssl(["verify", "-no-CApath", "-no-CAstore", "-CAfile", pem.name,
                            "-no_check_time", pem.name], b"")
    selfsigned = subject == issuer and rc == 0
    if a.selfsigned is not None and selfsigned != a.selfsigned:
        errors.append("certificate is %s" % ("self-signed" if selfsigned else "not self-signed"))
    t = lambda s: calendar.timegm(time.strptime(s, "%b %d %H:%M:%S %Y GMT"))
    if a.expired_at is not None and not t(na) < a.expired_at:
        errors.append("not expired at %s" % a.expired_at)
    if a.valid_at is not None and not t(nb) <= a.valid_at <= t(na):
        errors.append("not valid at %s" % a.valid_at)
    if errors:
        print("%s: FAIL: %s" % (a.file, "; ".join(errors)))
        sys.exit(1)
    print("%s: certificate (%d in the chain) subject %s, issuer %s, %s .. %s%s"
          % (a.file, len(certs), subject, issuer, nb, na, ", self-signed" if selfsigned else ""))


if __name__ == "__main__":
    main()
