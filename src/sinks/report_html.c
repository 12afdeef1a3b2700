/* The audit report as one self-contained HTML page: inline CSS, no script,
 * nothing fetched from elsewhere (a Content-Security-Policy says so too),
 * readable on a projector and printed. Every string is HTML-escaped here,
 * on top of the rendering that made it safe for a terminal. */
#include <inttypes.h>
#include <string.h>

#include "report_impl.h"

/* Text as HTML: &, <, >, " and ' escaped. */
static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

static void cell(FILE *f, const char *s)
{
    fputs("<td>", f);
    esc(f, s);
    fputs("</td>", f);
}

static void cellu(FILE *f, uint64_t v) { fprintf(f, "<td class=n>%" PRIu64 "</td>", v); }

static void tm(mt_time_us t, char *buf, size_t cap)
{
    if (t)
        mt_time_format(t, buf, cap);
    else
        snprintf(buf, cap, "-");
}

static void list(FILE *f, const struct rp_list *l)
{
    fputs("<td>", f);
    for (size_t i = 0; i < l->n; i++) {
        fputs(i ? ", " : "", f);
        esc(f, l->v[i]);
    }
    if (l->more)
        fprintf(f, " and %" PRIu64 " more", l->more);
    fputs("</td>", f);
}

static const char style[] =
    "body{font-family:sans-serif;font-size:18px;line-height:1.4;margin:2em;color:#111;"
    "background:#fff}h1{font-size:1.6em}h2{margin-top:1.5em;border-bottom:2px solid #333}"
    "table{border-collapse:collapse;width:100%;margin:.5em 0}td,th{border:1px solid #999;"
    "padding:.3em .5em;text-align:left;vertical-align:top}th{background:#eee}.n{text-align:right}"
    ".sev{font-weight:bold;text-transform:uppercase;padding:.1em .4em;border-radius:.2em}"
    ".sev-high{background:#b00020;color:#fff}.sev-medium{background:#e6a100;color:#000}"
    ".sev-low{background:#2f6fb0;color:#fff}.sev-info{background:#2e7d32;color:#fff}"
    ".finding{border:1px solid #999;border-left:8px solid #333;padding:.5em 1em;margin:1em 0;"
    "page-break-inside:avoid}.f-high{border-left-color:#b00020}.f-medium{border-left-color:#e6a100}"
    ".f-low{border-left-color:#2f6fb0}.f-info{border-left-color:#2e7d32}"
    "td{overflow-wrap:anywhere}"
    "code{font-family:monospace;word-break:break-all}"
    "@media print{body{margin:0;font-size:12pt}}";

void rp_write_html(const struct report *r, FILE *f)
{
    char a[MT_TIME_STRLEN], b[MT_TIME_STRLEN], name[MT_ENDPOINT_STRLEN];
    fputs("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\">"
          "<meta name=viewport content=\"width=device-width\"><title>mailtap audit report: ",
          f);
    esc(f, r->o.source);
    fprintf(f, "</title><style>%s</style></head><body>\n<h1>Mail audit report</h1>\n", style);
    tm(r->first_ts, a, sizeof a);
    tm(r->last_ts, b, sizeof b);
    fputs("<p id=source>Capture: <code>", f);
    esc(f, r->o.source);
    fprintf(f, "</code>, %s to %s.</p>\n", a, b);
    fprintf(f,
            "<table id=overview><tr><th>Sessions</th><td class=n>%" PRIu64 "</td>"
            "<th>in the clear</th><td class=n>%" PRIu64 "</td><th>STARTTLS</th><td class=n>%" PRIu64
            "</td><th>implicit TLS</th><td class=n>%" PRIu64 "</td><th>decrypted</th>"
            "<td class=n>%" PRIu64 "</td></tr><tr><th>Credentials</th><td class=n>%" PRIu64
            "</td><th>password or token</th><td class=n>%" PRIu64 "</td><th>crackable</th>"
            "<td class=n>%" PRIu64 "</td><th>identity only</th><td class=n>%" PRIu64 "</td>"
            "<th>gaps</th><td class=n>%" PRIu64 "</td></tr><tr><th>Packets</th><td class=n>%" PRIu64
            "</td><th>dropped</th><td class=n>%" PRIu64 "</td><th>sessions evicted</th>"
            "<td class=n>%" PRIu64 "</td></tr></table>\n",
            r->sessions, r->clear, r->starttls, r->implicit_tls, r->decrypted, r->creds,
            r->cred_secret, r->cred_crackable, r->cred_identity, r->gaps, r->packets, r->drops,
            r->evicted);

    fprintf(f, "<h2>Findings (%zu)</h2>\n<div id=findings>\n", r->nrows);
    if (!r->nrows)
        fputs("<p>Nothing to report.</p>\n", f);
    for (size_t i = 0; i < r->nrows; i++) {
        const struct rp_finding_row *w = &r->rows[i];
        const struct rp_server *s = &r->srv[w->server];
        const char *sev = rp_severity_name(rp_finding_severity(w->id));
        fprintf(f, "<div class=\"finding f-%s\" data-id=\"%s\"><p><span class=\"sev sev-%s\">%s</span> "
                   "<code>%s</code> on <code>",
                sev, rp_finding_id(w->id), sev, sev, rp_finding_id(w->id));
        esc(f, rp_server_name(s, name, sizeof name));
        fprintf(f, "</code> (%s)", mt_proto_name(s->proto));
        if (w->client) {
            fputs(", client <code>", f);
            esc(f, w->client);
            fputs("</code>", f);
        }
        if (w->user) {
            fputs(", account <code class=user>", f);
            esc(f, w->user);
            fputs("</code>", f);
        }
        fputs("</p><p>", f);
        esc(f, rp_finding_title(w->id));
        tm(w->ev->first, a, sizeof a);
        tm(w->ev->last, b, sizeof b);
        fprintf(f, ".</p><p>Evidence: %" PRIu64 " time%s, %s to %s; sessions", w->ev->count,
                w->ev->count == 1 ? "" : "s", a, b);
        for (size_t k = 0; k < w->ev->n; k++)
            fprintf(f, " %" PRIu64, w->ev->session[k]);
        fputs(w->ev->more ? " &hellip;" : ".", f);
        fputs("</p><p><b>Fix:</b> ", f);
        esc(f, rp_finding_fix(w->id, s));
        fputs("</p></div>\n", f);
    }
    fputs("</div>\n", f);

    fprintf(f, "<h2>Servers (%zu)</h2>\n<table id=servers><tr><th>server</th><th>protocol</th>"
               "<th>software</th><th>sessions</th><th>clear logins accepted</th><th>refused</th>"
               "<th>STARTTLS offered / used</th><th>logins refused before TLS</th>"
               "<th>mechanisms in the clear</th><th>TLS</th><th>certificate</th></tr>\n",
            r->nsrv);
    for (size_t i = 0; i < r->nsrv; i++) {
        const struct rp_server *s = &r->srv[i];
        fputs("<tr>", f);
        cell(f, rp_server_name(s, name, sizeof name));
        cell(f, mt_proto_name(s->proto));
        cell(f, s->software);
        cellu(f, s->sessions);
        cellu(f, s->clear_ok);
        cellu(f, s->clear_failed);
        fprintf(f, "<td class=n>%" PRIu64 " / %" PRIu64 "</td>", s->starttls_offered, s->starttls);
        cellu(f, s->login_disabled);
        cell(f, s->auth_offered);
        list(f, &s->versions);
        fputs("<td>", f);
        if (s->have_cert) {
            esc(f, s->cert_subject);
            fputs(", issuer ", f);
            esc(f, s->cert_issuer);
            fputs(s->cert_self_signed ? " (self-signed)" : "", f);
            fputs(s->cert_expired ? " (expired)" : "", f);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);

    fprintf(f, "<h2>Accounts (%zu)</h2>\n<table id=accounts><tr><th>user</th><th>server</th>"
               "<th>exposed</th><th>in the clear</th><th>crackable</th><th>inside TLS</th>"
               "<th>success / failure</th><th>how</th><th>clients</th><th>first seen</th>"
               "<th>last seen</th><th>passwords and tokens seen</th></tr>\n",
            r->nacc);
    for (size_t i = 0; i < r->nacc; i++) {
        const struct rp_account *ac = &r->acc[i];
        fputs("<tr>", f);
        fputs("<td class=user>", f);
        esc(f, ac->user);
        fputs("</td>", f);
        cell(f, rp_server_name(&r->srv[ac->server], name, sizeof name));
        cellu(f, ac->exposed);
        cellu(f, ac->clear);
        cellu(f, ac->crackable);
        cellu(f, ac->inside_tls);
        fprintf(f, "<td class=n>%" PRIu64 " / %" PRIu64 "</td>", ac->ok, ac->failed);
        list(f, &ac->mechs);
        list(f, &ac->clients);
        tm(ac->first, a, sizeof a);
        tm(ac->last, b, sizeof b);
        cell(f, a);
        cell(f, b);
        list(f, &ac->secrets);
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    fputs("<h2>What this means</h2>\n<p>Mail clients log in with a user name and a password. "
          "When the connection is not encrypted, anyone on the path &mdash; the same Wi-Fi, a "
          "switch, the provider &mdash; reads them, as this capture did. A <b>cleartext "
          "login</b> gives the password away; base64 (SASL PLAIN, LOGIN) is an encoding, not "
          "encryption. A <b>challenge-response</b> login (CRAM-MD5, DIGEST-MD5, NTLM, APOP) "
          "hides the password, but the exchange can be cracked offline. <b>STARTTLS</b> turns "
          "a connection into an encrypted one; a server that offers it but still takes logins "
          "before it lets clients skip it, and a client whose STARTTLS never turned into TLS "
          "may have met someone removing it. Logins inside TLS are safe from the path; they "
          "appear here only when the client's key log was given. The fix is always the same "
          "idea: logins only inside TLS, certificates clients can check, and limits on "
          "guessing.</p>\n</body></html>\n",
          f);
}
