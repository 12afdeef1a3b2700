/* The audit report as text (80 columns, for a terminal or a ticket) and as
 * one JSON object (docs/report.md). Every string was rendered safe when it
 * was gathered; JSON escapes it again. */
#include <inttypes.h>
#include <string.h>

#include "mailtap/jsonstr.h"
#include "mailtap/words.h"
#include "report_impl.h"

#define WIDTH 80

/* Writes first, then text wrapped at WIDTH, lines after the first
 * indented; a word longer than a line is cut across lines, between whole
 * UTF-8 sequences (columns are counted in bytes: never more than WIDTH). */
static void wrap(FILE *f, const char *first, const char *indent, const char *text)
{
    size_t col = strlen(first), ind = strlen(indent);
    int fresh = col == 0 || first[col - 1] == ' '; /* no space needed before the next word */
    fputs(first, f);
    for (const char *p = text; *p;) {
        size_t w = strcspn(p, " ");
        if (w > WIDTH - ind) { /* longer than any line: cut where the line ends */
            w = col + !fresh < WIDTH ? WIDTH - col - !fresh : WIDTH - ind;
            while (w > 1 && ((uint8_t)p[w] & 0xc0) == 0x80)
                w--; /* never inside a UTF-8 sequence */
        }
        if (!fresh && col + 1 + w > WIDTH && col > ind) {
            fprintf(f, "\n%s", indent);
            col = ind;
            fresh = 1;
        }
        if (!fresh) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, w, f);
        col += w;
        fresh = 0;
        p += w;
        while (*p == ' ')
            p++;
    }
    fputc('\n', f);
}

static void when(mt_time_us t, char *buf, size_t cap)
{
    if (t)
        mt_time_format(t, buf, cap);
    else
        snprintf(buf, cap, "-");
}

static void list_text(const struct rp_list *l, char *buf, size_t cap)
{
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < l->n && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%s", i ? ", " : "", l->v[i]);
    if (l->more && k < cap)
        snprintf(buf + k, cap - k, " and %" PRIu64 " more", l->more);
}

static void evidence_text(const struct rp_evidence *e, char *buf, size_t cap)
{
    char a[MT_TIME_STRLEN], b[MT_TIME_STRLEN];
    when(e->first, a, sizeof a);
    when(e->last, b, sizeof b);
    size_t k = (size_t)snprintf(buf, cap, "%" PRIu64 " time%s, %s to %s; sessions", e->count, e->count == 1 ? "" : "s", a, b);
    for (size_t i = 0; i < e->n && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, " %" PRIu64, e->session[i]);
    if (e->more && k < cap)
        snprintf(buf + k, cap - k, " ...");
}

void rp_write_text(const struct report *r, FILE *f)
{
    char a[MT_TIME_STRLEN], b[MT_TIME_STRLEN], line[4096], name[MT_ENDPOINT_STRLEN];
    when(r->first_ts, a, sizeof a);
    when(r->last_ts, b, sizeof b);
    wrap(f, "mailtap audit report:", "  ", r->o.source ? r->o.source : "");
    fprintf(f, "%s to %s\n\n", a, b);
    fprintf(f, "Packets: %" PRIu64 " (dropped by the kernel %" PRIu64 "); sessions evicted: %" PRIu64
               "\n",
            r->packets, r->drops, r->evicted);
    fprintf(f, "Sessions: %" PRIu64 " (pop3 %" PRIu64 ", imap %" PRIu64 ", smtp %" PRIu64
               ", managesieve %" PRIu64 ", lmtp %" PRIu64 ")\n",
            r->sessions, r->by_proto[MT_PROTO_POP3], r->by_proto[MT_PROTO_IMAP],
            r->by_proto[MT_PROTO_SMTP], r->by_proto[MT_PROTO_SIEVE], r->by_proto[MT_PROTO_LMTP]);
    fprintf(f, "  in the clear %" PRIu64 ", STARTTLS %" PRIu64 ", implicit TLS %" PRIu64
               ", decrypted %" PRIu64 "\n",
            r->clear, r->starttls, r->implicit_tls, r->decrypted);
    fprintf(f, "Credentials: %" PRIu64 " (password or token %" PRIu64 ", crackable %" PRIu64
               ", identity only %" PRIu64 ")\n",
            r->creds, r->cred_secret, r->cred_crackable, r->cred_identity);
    fprintf(f, "Gaps: %" PRIu64 " (%" PRIu64 " bytes missing); warnings: %" PRIu64 "\n",
            r->gaps, r->gap_bytes, r->warnings);
    if (r->servers_dropped || r->accounts_dropped || r->tracks_dropped || r->pairs_dropped)
        fprintf(f, "Not kept (tables full): %" PRIu64 " servers, %" PRIu64 " accounts, %" PRIu64
                   " trackers, %" PRIu64 " findings\n",
                r->servers_dropped, r->accounts_dropped, r->tracks_dropped, r->pairs_dropped);

    fprintf(f, "\nFINDINGS (%zu)\n", r->nrows);
    for (size_t i = 0; i < r->nrows; i++) {
        const struct rp_finding_row *w = &r->rows[i];
        const struct rp_server *s = &r->srv[w->server];
        snprintf(line, sizeof line, "[%s] %s  %s %s%s%s%s%s",
                 rp_severity_name(rp_finding_severity(w->id)), rp_finding_id(w->id),
                 rp_server_name(s, name, sizeof name), mt_proto_name(s->proto),
                 w->client ? "  client " : "", w->client ? w->client : "",
                 w->user ? "  account " : "", w->user ? w->user : "");
        wrap(f, "", "    ", line);
        wrap(f, "    ", "    ", rp_finding_title(w->id));
        evidence_text(w->ev, line, sizeof line);
        wrap(f, "    Evidence:", "      ", line);
        wrap(f, "    Fix:", "      ", rp_finding_fix(w->id, s));
    }

    fprintf(f, "\nSERVERS (%zu)\n", r->nsrv);
    for (size_t i = 0; i < r->nsrv; i++) {
        const struct rp_server *s = &r->srv[i];
        snprintf(line, sizeof line, "%s %s%s%s", rp_server_name(s, name, sizeof name),
                 mt_proto_name(s->proto), s->software[0] ? "  " : "", s->software);
        wrap(f, "", "    ", line);
        snprintf(line, sizeof line,
                 "%" PRIu64 " sessions: %" PRIu64 " in the clear, %" PRIu64 " STARTTLS, %" PRIu64
                 " implicit TLS, %" PRIu64 " decrypted",
                 s->sessions, s->clear, s->starttls, s->implicit_tls, s->decrypted);
        wrap(f, "    ", "    ", line);
        snprintf(line, sizeof line,
                 "logins in the clear: %" PRIu64 " accepted, %" PRIu64 " refused, %" PRIu64
                 " unknown; crackable %" PRIu64 "; inside TLS %" PRIu64,
                 s->clear_ok, s->clear_failed, s->clear_unknown, s->crackable, s->inside_tls);
        wrap(f, "    ", "    ", line);
        snprintf(line, sizeof line,
                 "STARTTLS offered in %" PRIu64 ", used in %" PRIu64 "; logins refused before "
                 "TLS in %" PRIu64 "; mechanisms offered in the clear: %s",
                 s->starttls_offered, s->starttls, s->login_disabled,
                 s->auth_offered[0] ? s->auth_offered : "none");
        wrap(f, "    ", "    ", line);
        if (s->versions.n) {
            char v[512], c[512];
            list_text(&s->versions, v, sizeof v);
            list_text(&s->ciphers, c, sizeof c);
            snprintf(line, sizeof line, "TLS: %s; %s", v, c);
            wrap(f, "    ", "    ", line);
        }
        if (s->sni.n) {
            char v[512];
            list_text(&s->sni, v, sizeof v);
            snprintf(line, sizeof line, "server names asked for: %s", v);
            wrap(f, "    ", "    ", line);
        }
        if (s->have_cert) {
            mt_time_format(s->cert_not_before * 1000000, a, sizeof a);
            mt_time_format(s->cert_not_after * 1000000, b, sizeof b);
            snprintf(line, sizeof line, "certificate: %s, issuer %s, valid %.10s to %.10s%s%s",
                     s->cert_subject, s->cert_issuer, a, b,
                     s->cert_self_signed ? ", self-signed" : "",
                     s->cert_expired ? ", EXPIRED at the time" : "");
            wrap(f, "    ", "    ", line);
        }
    }

    fprintf(f, "\nACCOUNTS (%zu)\n", r->nacc);
    for (size_t i = 0; i < r->nacc; i++) {
        const struct rp_account *ac = &r->acc[i];
        char m[512], c[512], sec[512];
        list_text(&ac->mechs, m, sizeof m);
        list_text(&ac->clients, c, sizeof c);
        list_text(&ac->secrets, sec, sizeof sec);
        snprintf(line, sizeof line, "%s at %s", ac->user,
                 rp_server_name(&r->srv[ac->server], name, sizeof name));
        wrap(f, "", "    ", line);
        when(ac->first, a, sizeof a);
        when(ac->last, b, sizeof b);
        snprintf(line, sizeof line,
                 "exposed %" PRIu64 " time%s (in the clear %" PRIu64 ", crackable %" PRIu64
                 ", inside decrypted TLS %" PRIu64 ", identity only %" PRIu64 ") by %s; results: %" PRIu64
                 " success, %" PRIu64 " failure, %" PRIu64 " unknown; %s to %s; from %s",
                 ac->exposed, ac->exposed == 1 ? "" : "s", ac->clear, ac->crackable, ac->inside_tls, ac->identity, m, ac->ok,
                 ac->failed, ac->unknown, a, b, c);
        wrap(f, "    ", "    ", line);
        if (sec[0]) {
            snprintf(line, sizeof line, "passwords and tokens seen: %s", sec);
            wrap(f, "    ", "    ", line);
        }
    }
}

/* --- JSON -------------------------------------------------------------------- */

static void jstr(FILE *f, const char *key, const char *v)
{
    fprintf(f, "\"%s\":", key);
    mt_json_cstring(f, v);
}

static void jtime(FILE *f, const char *key, mt_time_us t)
{
    char buf[MT_TIME_STRLEN];
    if (!t) {
        fprintf(f, "\"%s\":null", key);
        return;
    }
    mt_time_format(t, buf, sizeof buf);
    fprintf(f, "\"%s\":\"%s\"", key, buf);
}

static void jlist(FILE *f, const char *key, const struct rp_list *l)
{
    fprintf(f, "\"%s\":[", key);
    for (size_t i = 0; i < l->n; i++) {
        fputs(i ? "," : "", f);
        mt_json_cstring(f, l->v[i]);
    }
    fputs("]", f);
}

static void jwords(FILE *f, const char *key, const char *words)
{
    fprintf(f, "\"%s\":[", key);
    size_t k;
    for (const char *c = words, *w; (w = mt_words_next(&c, &k)) != NULL;) {
        fputs(w == words ? "" : ",", f);
        mt_json_string(f, (const uint8_t *)w, k); /* a mechanism name may hold '"' */
    }
    fputs("]", f);
}

void rp_write_json(const struct report *r, FILE *f)
{
    char name[MT_ENDPOINT_STRLEN];
    fputs("{\"report_version\":1,\"overview\":{", f);
    jstr(f, "source", r->o.source);
    fputs(",", f);
    jtime(f, "first", r->first_ts);
    fputs(",", f);
    jtime(f, "last", r->last_ts);
    fprintf(f,
            ",\"packets\":%" PRIu64 ",\"packets_dropped\":%" PRIu64 ",\"sessions_evicted\":%" PRIu64
            ",\"sessions\":%" PRIu64 ",\"by_proto\":{\"pop3\":%" PRIu64 ",\"imap\":%" PRIu64
            ",\"smtp\":%" PRIu64 ",\"managesieve\":%" PRIu64 ",\"lmtp\":%" PRIu64
            ",\"unknown\":%" PRIu64 "},\"cleartext\":%" PRIu64 ",\"starttls\":%" PRIu64
            ",\"implicit_tls\":%" PRIu64 ",\"decrypted\":%" PRIu64 ",\"tls_not_read\":%" PRIu64
            ",\"credentials\":{\"total\":%" PRIu64 ",\"secret\":%" PRIu64
            ",\"crackable\":%" PRIu64 ",\"identity_only\":%" PRIu64 "},\"gaps\":%" PRIu64
            ",\"bytes_missing\":%" PRIu64 ",\"warnings\":%" PRIu64
            ",\"not_kept\":{\"servers\":%" PRIu64 ",\"accounts\":%" PRIu64
            ",\"trackers\":%" PRIu64 ",\"findings\":%" PRIu64 "}},",
            r->packets, r->drops, r->evicted, r->sessions, r->by_proto[MT_PROTO_POP3],
            r->by_proto[MT_PROTO_IMAP], r->by_proto[MT_PROTO_SMTP], r->by_proto[MT_PROTO_SIEVE],
            r->by_proto[MT_PROTO_LMTP], r->by_proto[MT_PROTO_UNKNOWN], r->clear, r->starttls, r->implicit_tls, r->decrypted,
            r->tls_unread, r->creds, r->cred_secret, r->cred_crackable, r->cred_identity, r->gaps,
            r->gap_bytes, r->warnings, r->servers_dropped, r->accounts_dropped, r->tracks_dropped,
            r->pairs_dropped);
    fputs("\"findings\":[", f);
    for (size_t i = 0; i < r->nrows; i++) {
        const struct rp_finding_row *w = &r->rows[i];
        const struct rp_server *s = &r->srv[w->server];
        fputs(i ? ",{" : "{", f);
        jstr(f, "id", rp_finding_id(w->id));
        fputs(",", f);
        jstr(f, "severity", rp_severity_name(rp_finding_severity(w->id)));
        fputs(",", f);
        jstr(f, "server", rp_server_name(s, name, sizeof name));
        fprintf(f, ",\"proto\":\"%s\",", mt_proto_name(s->proto));
        jstr(f, "client", w->client);
        fputs(",", f);
        jstr(f, "user", w->user);
        fprintf(f, ",\"count\":%" PRIu64 ",", w->ev->count);
        jtime(f, "first", w->ev->first);
        fputs(",", f);
        jtime(f, "last", w->ev->last);
        fputs(",\"evidence\":[", f);
        for (size_t k = 0; k < w->ev->n; k++) {
            fprintf(f, "%s{\"session\":%" PRIu64 ",", k ? "," : "", w->ev->session[k]);
            jtime(f, "ts", w->ev->ts[k]);
            fputs("}", f);
        }
        fputs("],", f);
        jstr(f, "title", rp_finding_title(w->id));
        fputs(",", f);
        jstr(f, "fix", rp_finding_fix(w->id, s));
        fputs("}", f);
    }
    fputs("],\"servers\":[", f);
    for (size_t i = 0; i < r->nsrv; i++) {
        const struct rp_server *s = &r->srv[i];
        fputs(i ? ",{" : "{", f);
        jstr(f, "server", rp_server_name(s, name, sizeof name));
        fprintf(f, ",\"proto\":\"%s\",", mt_proto_name(s->proto));
        jstr(f, "software", s->software[0] ? s->software : NULL);
        fprintf(f,
                ",\"sessions\":%" PRIu64 ",\"cleartext\":%" PRIu64 ",\"starttls\":%" PRIu64
                ",\"implicit_tls\":%" PRIu64 ",\"decrypted\":%" PRIu64
                ",\"starttls_offered\":%" PRIu64 ",\"starttls_failed\":%" PRIu64
                ",\"logins_offered_in_clear\":%" PRIu64 ",\"login_disabled\":%" PRIu64
                ",\"cleartext_logins\":{\"accepted\":%" PRIu64 ",\"rejected\":%" PRIu64
                ",\"unknown\":%" PRIu64 "},\"crackable\":%" PRIu64 ",\"identity_only\":%" PRIu64
                ",\"inside_tls\":%" PRIu64 ",",
                s->sessions, s->clear, s->starttls, s->implicit_tls, s->decrypted,
                s->starttls_offered, s->starttls_failed, s->logins_offered, s->login_disabled,
                s->clear_ok, s->clear_failed, s->clear_unknown, s->crackable, s->identity_only,
                s->inside_tls);
        jwords(f, "mechanisms_in_clear", s->auth_offered);
        fputs(",", f);
        jlist(f, "tls_versions", &s->versions);
        fputs(",", f);
        jlist(f, "cipher_suites", &s->ciphers);
        fputs(",", f);
        jlist(f, "sni", &s->sni);
        fputs(",\"certificate\":", f);
        if (s->have_cert) {
            char a[MT_TIME_STRLEN], b[MT_TIME_STRLEN];
            mt_time_format(s->cert_not_before * 1000000, a, sizeof a);
            mt_time_format(s->cert_not_after * 1000000, b, sizeof b);
            fputs("{", f);
            jstr(f, "subject", s->cert_subject);
            fputs(",", f);
            jstr(f, "issuer", s->cert_issuer);
            fprintf(f, ",\"not_before\":\"%s\",\"not_after\":\"%s\",\"self_signed\":%s,"
                       "\"expired\":%s,",
                    a, b, s->cert_self_signed ? "true" : "false",
                    s->cert_expired ? "true" : "false");
            jstr(f, "sha256", s->cert_sha256);
            fputs("}", f);
        } else {
            fputs("null", f);
        }
        fputs("}", f);
    }
    fputs("],\"accounts\":[", f);
    for (size_t i = 0; i < r->nacc; i++) {
        const struct rp_account *ac = &r->acc[i];
        fputs(i ? ",{" : "{", f);
        jstr(f, "user", ac->user);
        fputs(",", f);
        jstr(f, "server", rp_server_name(&r->srv[ac->server], name, sizeof name));
        fprintf(f,
                ",\"exposed\":%" PRIu64 ",\"cleartext\":%" PRIu64 ",\"crackable\":%" PRIu64
                ",\"inside_tls\":%" PRIu64 ",\"identity_only\":%" PRIu64
                ",\"results\":{\"success\":%" PRIu64 ",\"failure\":%" PRIu64
                ",\"unknown\":%" PRIu64 "},",
                ac->exposed, ac->clear, ac->crackable, ac->inside_tls, ac->identity, ac->ok,
                ac->failed, ac->unknown);
        jtime(f, "first", ac->first);
        fputs(",", f);
        jtime(f, "last", ac->last);
        fputs(",", f);
        jlist(f, "mechanisms", &ac->mechs);
        fputs(",", f);
        jlist(f, "clients", &ac->clients);
        fputs(",", f);
        jlist(f, "secrets", &ac->secrets);
        fputs("}", f);
    }
    fputs("]}\n", f);
}
