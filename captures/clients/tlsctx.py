"""TLS for the Python capture clients (imaplib / poplib / smtplib sessions):
the command-line options and the ssl.SSLContext they make.  Certificates
are not verified (the test bed's is self-signed); with --keylog the context
writes the session's secrets to that file in SSLKEYLOGFILE format
(SSLContext.keylog_filename)."""
import ssl

VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


def add_args(ap):
    ap.add_argument("--tls", choices=["implicit", "starttls"],
                    help="TLS from the first byte, or after STARTTLS / STLS")
    ap.add_argument("--keylog", help="key log file to write (SSLKEYLOGFILE format)")
    ap.add_argument("--tls-version", choices=sorted(VERSIONS),
                    help="the only TLS version offered")
    ap.add_argument("--ciphers", help="OpenSSL cipher list (TLS 1.2 suites)")


def context(a):
    """The SSLContext for the parsed options, or None without --tls."""
    if not a.tls:
        return None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if a.keylog:
        ctx.keylog_filename = a.keylog
    if a.tls_version:
        ctx.minimum_version = ctx.maximum_version = VERSIONS[a.tls_version]
    if a.ciphers:
        ctx.set_ciphers(a.ciphers)
    return ctx


def connect(a, plain, implicit, upgrade):
    """The client object for the options: implicit(ctx) with --tls implicit;
    else plain(), then upgrade(client, ctx) with --tls starttls."""
    ctx = context(a)
    if a.tls == "implicit":
        return implicit(ctx)
    c = plain()
    if a.tls == "starttls":
        upgrade(c, ctx)
    return c
