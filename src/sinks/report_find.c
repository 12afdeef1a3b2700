/* The audit report's findings: one table of what each id means, how
 * severe it is and how to fix it on the common servers, and the rules
 * that make findings from what report.c gathered. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report_impl.h"

enum family { FAM_DOVECOT, FAM_POSTFIX, FAM_EXIM, FAM_EXCHANGE, FAM_OTHER, FAM_N };

struct finding_def {
    const char *id;
    enum rp_severity severity;
    const char *title;
    const char *fix[FAM_N];
};

static const struct finding_def defs[F_N] = {
    [F_CLEARTEXT_LOGIN] = {"cleartext-login-accepted", SEV_HIGH,
        "The server accepted logins whose password or token crossed the network in the clear",
        {"Dovecot: disable_plaintext_auth = yes (auth_allow_cleartext = no in 2.4) and ssl = required, so that logins need TLS.",
         "Postfix: smtpd_tls_auth_only = yes and smtpd_tls_security_level = encrypt on the submission service (587), or submissions on 465.",
         "Exim: auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}} so AUTH is offered only inside TLS; tls_advertise_hosts = *.",
         "Exchange: require TLS on the receive connector (RequireTLS $true) and disable basic authentication in the clear for POP3/IMAP (LoginType SecureLogin).",
         "Require TLS before any login (STARTTLS or the implicit TLS port) and refuse passwords in the clear."}},
    [F_STARTTLS_IGNORED] = {"starttls-ignored", SEV_HIGH,
        "The server offered STARTTLS and the client logged in in the clear anyway",
        {"Dovecot: disable_plaintext_auth = yes makes the client use STARTTLS first; also set the client to STARTTLS or port 993/995.",
         "Postfix: smtpd_tls_auth_only = yes (AUTH only after STARTTLS); set the client to STARTTLS or port 465.",
         "Exim: advertise AUTH only inside TLS (auth_advertise_hosts); set the client to STARTTLS or port 465.",
         "Exchange: require TLS on the connector and for POP3/IMAP logins; set the client to use TLS.",
         "Configure the client to use STARTTLS (or implicit TLS), and the server to refuse logins before it."}},
    [F_AUTH_IN_CLEAR] = {"auth-offered-in-clear", SEV_MEDIUM,
        "The server offered ways to log in on a connection that was not encrypted",
        {"Dovecot: disable_plaintext_auth = yes: IMAP then says LOGINDISABLED and offers no AUTH= before STARTTLS.",
         "Postfix: smtpd_tls_auth_only = yes: AUTH is listed in the EHLO answer only after STARTTLS.",
         "Exim: auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}}.",
         "Exchange: set the connector's AuthMechanism to Tls with basic auth only after TLS (BasicAuthRequireTLS).",
         "Offer logins (AUTH, USER, LOGIN) only once TLS is on."}},
    [F_NO_STARTTLS] = {"no-starttls", SEV_MEDIUM,
        "The server offered logins in the clear and no STARTTLS at all",
        {"Dovecot: configure ssl_cert/ssl_key and ssl = yes (or required) so STARTTLS is offered; open 993/995.",
         "Postfix: set smtpd_tls_cert_file, smtpd_tls_key_file and smtpd_tls_security_level = may (or encrypt).",
         "Exim: tls_certificate, tls_privatekey and tls_advertise_hosts = *.",
         "Exchange: bind a certificate to the SMTP/IMAP/POP services (Enable-ExchangeCertificate).",
         "Give the server a certificate and turn STARTTLS on, or move the service to its implicit TLS port."}},
    [F_STARTTLS_FAILED] = {"starttls-failed", SEV_HIGH,
        "STARTTLS was accepted but no TLS followed: a client that gave up, or someone stripping TLS on the path",
        {"Check the path between this client and the server for a device that rewrites STARTTLS; on Dovecot, ssl = required makes the client fail instead of falling back.",
         "Check the path for a device that strips STARTTLS (old firewalls' SMTP fixup); smtpd_tls_security_level = encrypt refuses mail without TLS.",
         "Check the path for a device that strips STARTTLS; tls_advertise_hosts = * and require TLS for AUTH.",
         "Check the path for a device that strips STARTTLS (SMTP inspection on firewalls); require TLS on the connector.",
         "Look at the path between client and server for a device that strips STARTTLS, and at the client's TLS settings."}},
    [F_CRACKABLE] = {"crackable-login", SEV_MEDIUM,
        "A challenge-response login in the clear can be cracked offline (the hashcat line is in the capture)",
        {"Dovecot: remove cram-md5, digest-md5, apop and ntlm from auth_mechanisms; use plain or login inside TLS, or SCRAM.",
         "Postfix: remove CRAM-MD5, DIGEST-MD5 and NTLM from the SASL mechanisms (smtpd_sasl_security_options = noanonymous, noplaintext is not enough); require TLS.",
         "Exim: drop the cram_md5 and spa authenticators; use plaintext authenticators inside TLS only.",
         "Exchange: disable NTLM over unencrypted connections; require TLS.",
         "Use TLS for every login; if a challenge-response mechanism must stay, use SCRAM, and strong passwords."}},
    [F_GUESSING] = {"password-guessing", SEV_HIGH,
        "Many failed logins in a short time: someone guessing passwords",
        {"Dovecot: auth_failure_delay, and fail2ban (dovecot filter) or a login rate limit (anvil/auth_policy).",
         "Postfix: anvil limits (smtpd_client_auth_rate_limit) and fail2ban (postfix-sasl filter).",
         "Exim: ratelimit ACLs on AUTH and fail2ban (exim filter).",
         "Exchange: account lockout policy and connector throttling; block the client address.",
         "Rate-limit logins per client and per account, lock or delay after failures, block the address."}},
    [F_OLD_TLS] = {"old-tls", SEV_MEDIUM,
        "The server agreed to TLS 1.1 or older, which are broken and retired (RFC 8996)",
        {"Dovecot: ssl_min_protocol = TLSv1.2.",
         "Postfix: smtpd_tls_protocols = >=TLSv1.2 and smtpd_tls_mandatory_protocols = >=TLSv1.2.",
         "Exim: tls_require_ciphers / openssl_options = +no_tlsv1 +no_tlsv1_1.",
         "Exchange: disable TLS 1.0 and 1.1 in SCHANNEL (the registry) and enable TLS 1.2.",
         "Allow TLS 1.2 and 1.3 only."}},
    [F_CERT_EXPIRED] = {"cert-expired", SEV_HIGH,
        "The server's certificate was not valid at the time of the capture: clients that accept it accept any",
        {"Dovecot: renew the certificate (ssl_cert) and reload; automate it (certbot deploy hook: doveadm reload).",
         "Postfix: renew smtpd_tls_cert_file and postfix reload; automate renewal.",
         "Exim: renew tls_certificate and reload; automate renewal.",
         "Exchange: renew the certificate and Enable-ExchangeCertificate for the services.",
         "Renew the certificate and automate its renewal."}},
    [F_CERT_SELF_SIGNED] = {"cert-self-signed", SEV_MEDIUM,
        "The server's certificate is self-signed: clients cannot tell it from an impostor's unless they pin it",
        {"Dovecot: use a certificate from a CA clients trust (ssl_cert, ssl_key; e.g. Let's Encrypt).",
         "Postfix: use a CA-signed smtpd_tls_cert_file (or publish DANE TLSA records for it).",
         "Exim: use a CA-signed tls_certificate (or DANE).",
         "Exchange: replace the self-signed certificate with a CA-signed one.",
         "Use a certificate signed by a CA the clients trust, or pin this one in every client."}},
    [F_LOGIN_NEEDS_TLS] = {"login-requires-tls", SEV_INFO,
        "The server refused to take logins before TLS (LOGINDISABLED, no AUTH before STARTTLS): the good configuration",
        {"Nothing to change.", "Nothing to change.", "Nothing to change.", "Nothing to change.",
         "Nothing to change."}},
};

const char *rp_finding_id(enum rp_finding f) { return defs[f].id; }
enum rp_severity rp_finding_severity(enum rp_finding f) { return defs[f].severity; }
const char *rp_finding_title(enum rp_finding f) { return defs[f].title; }

const char *rp_severity_name(enum rp_severity s)
{
    static const char *const names[] = {"high", "medium", "low", "info"};
    return names[s];
}

static enum family family_of(const struct rp_server *s)
{
    static const struct {
        const char *word;
        enum family f;
    } words[] = {{"dovecot", FAM_DOVECOT}, {"postfix", FAM_POSTFIX}, {"exim", FAM_EXIM},
                 {"microsoft", FAM_EXCHANGE}, {"exchange", FAM_EXCHANGE}};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        for (const char *p = s->software; *p; p++)
            if (strncasecmp(p, words[i].word, strlen(words[i].word)) == 0)
                return words[i].f;
    return FAM_OTHER;
}

const char *rp_finding_fix(enum rp_finding f, const struct rp_server *s)
{
    return defs[f].fix[family_of(s)];
}

void rp_evidence_add(struct rp_evidence *e, uint64_t session, mt_time_us ts)
{
    e->count++;
    if (!e->first || ts < e->first)
        e->first = ts;
    if (ts > e->last)
        e->last = ts;
    for (size_t i = 0; i < e->n; i++)
        if (e->session[i] == session)
            return;
    if (e->n < RP_EVIDENCE) {
        e->session[e->n] = session;
        e->ts[e->n++] = ts;
    } else {
        e->more = 1;
    }
}

const char *rp_server_name(const struct rp_server *s, char *buf, size_t cap)
{
    mt_endpoint_format(&s->ep, buf, cap);
    return buf;
}

static int add_row(struct report *r, enum rp_finding id, size_t server, const char *client,
                   const char *user, const struct rp_evidence *ev)
{
    if (r->nrows == r->caprows) {
        size_t nc = r->caprows ? r->caprows * 2 : 32;
        struct rp_finding_row *n = realloc(r->rows, nc * sizeof *n);
        if (!n)
            return -1;
        r->rows = n;
        r->caprows = nc;
    }
    r->rows[r->nrows++] = (struct rp_finding_row){id, server, client, user, ev};
    return 0;
}

static int by_severity(const void *a, const void *b)
{
    const struct rp_finding_row *x = a, *y = b;
    int sx = (int)rp_finding_severity(x->id), sy = (int)rp_finding_severity(y->id);
    if (sx != sy)
        return sx - sy;
    if (x->id != y->id)
        return (int)x->id - (int)y->id;
    if (x->server != y->server)
        return x->server < y->server ? -1 : 1;
    return x->ev->first < y->ev->first ? -1 : x->ev->first > y->ev->first;
}

int rp_make_findings(struct report *r)
{
    r->nrows = 0;
    for (size_t i = 0; i < r->nsrv; i++) {
        const struct rp_server *s = &r->srv[i];
        static const enum rp_finding per_server[] = {
            F_CLEARTEXT_LOGIN, F_AUTH_IN_CLEAR,     F_CRACKABLE,      F_OLD_TLS,
            F_CERT_EXPIRED,    F_CERT_SELF_SIGNED, F_LOGIN_NEEDS_TLS};
        for (size_t k = 0; k < sizeof per_server / sizeof per_server[0]; k++) {
            enum rp_finding f = per_server[k];
            if (s->ev[f].count && add_row(r, f, i, NULL, NULL, &s->ev[f]) != 0)
                return -1;
        }
        /* Logins offered and never STARTTLS, in any session of the server. */
        if (s->ev[F_NO_STARTTLS].count && !s->starttls_offered && !s->implicit_tls &&
            add_row(r, F_NO_STARTTLS, i, NULL, NULL, &s->ev[F_NO_STARTTLS]) != 0)
            return -1;
    }
    for (size_t i = 0; i < r->npairs; i++)
        if (add_row(r, r->pairs[i].id, r->pairs[i].server, r->pairs[i].client, NULL,
                    &r->pairs[i].ev) != 0)
            return -1;
    for (size_t i = 0; i < r->ntrk; i++) {
        const struct rp_track *t = &r->trk[i];
        if (t->flagged && add_row(r, F_GUESSING, t->server, t->by_account ? NULL : t->key,
                                  t->by_account ? t->key : NULL, &t->ev) != 0)
            return -1;
    }
    if (r->nrows > 1)
        qsort(r->rows, r->nrows, sizeof *r->rows, by_severity);
    return 0;
}
