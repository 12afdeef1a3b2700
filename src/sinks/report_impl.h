/* Private to the audit report (src/sinks/report*.c): what it gathers from
 * the events (servers, accounts, failed logins by client and account), the
 * findings made from it, and the three ways of writing it (text, JSON,
 * HTML). Every table has a bound; what does not fit is counted. Every
 * string from the wire is kept already rendered safe (render.h), and HTML
 * escapes it again. */
#ifndef MAILTAP_REPORT_IMPL_H
#define MAILTAP_REPORT_IMPL_H

#include <stdint.h>
#include <stdio.h>

#include "mailtap/event.h"
#include "mailtap/output.h"

#define RP_MAX_SERVERS 1024
#define RP_MAX_ACCOUNTS 8192
#define RP_MAX_TRACKS 8192     /* failed-login trackers (client or account, per server) */
#define RP_EVIDENCE 8          /* sessions listed as a finding's evidence */
#define RP_TEXT 96             /* a rendered name (user, software, SNI) */
#define RP_MANY 4              /* distinct values kept of a list (ciphers, SNI, clients) */
#define RP_GUESS_RING 32       /* most failures a tracker looks back over */
#define RP_SLOTS 65536         /* the tables' hash index: more than twice their entries */

/* The finding ids: stable across versions (docs/report.md). */
enum rp_finding {
    F_CLEARTEXT_LOGIN,   /* cleartext-login-accepted */
    F_STARTTLS_IGNORED,  /* starttls-ignored */
    F_AUTH_IN_CLEAR,     /* auth-offered-in-clear */
    F_NO_STARTTLS,       /* no-starttls */
    F_STARTTLS_FAILED,   /* starttls-failed */
    F_CRACKABLE,         /* crackable-login */
    F_GUESSING,          /* password-guessing */
    F_OLD_TLS,           /* old-tls */
    F_CERT_EXPIRED,      /* cert-expired */
    F_CERT_SELF_SIGNED,  /* cert-self-signed */
    F_LOGIN_NEEDS_TLS,   /* login-requires-tls: the good configuration */
    F_N
};

enum rp_severity { SEV_HIGH, SEV_MEDIUM, SEV_LOW, SEV_INFO };

struct rp_evidence {
    uint64_t count;
    mt_time_us first, last;
    uint64_t session[RP_EVIDENCE];
    mt_time_us ts[RP_EVIDENCE];
    size_t n;
    int more; /* sessions past the RP_EVIDENCE listed */
};

struct rp_list { /* distinct short strings */
    char v[RP_MANY][RP_TEXT];
    size_t n;
    uint64_t more; /* distinct ones past RP_MANY */
};

struct rp_server {
    struct mt_endpoint ep;
    enum mt_proto proto;
    char software[RP_TEXT];
    uint64_t sessions, clear, starttls, implicit_tls, decrypted;
    uint64_t starttls_offered, logins_offered, login_disabled, starttls_failed;
    char auth_offered[MT_OFFERED_MAX];
    uint64_t clear_ok, clear_failed, clear_unknown; /* logins whose secret went in the clear */
    uint64_t crackable, identity_only, inside_tls;
    struct rp_list versions, ciphers, sni;
    int have_cert, cert_self_signed, cert_expired;
    char cert_subject[256], cert_issuer[256], cert_sha256[65];
    int64_t cert_not_before, cert_not_after;
    struct rp_evidence ev[F_N];
};

struct rp_account {
    char user[RP_TEXT];
    size_t server;
    uint64_t exposed, clear, crackable, inside_tls, identity;
    uint64_t ok, failed, unknown;
    mt_time_us first, last;
    struct rp_list mechs, clients, secrets;
};

/* Failed logins from one client address, or against one account, on one
 * server: the times of the last ones, to find a burst within the window. */
struct rp_track {
    size_t server;
    int by_account;          /* 0: key is a client address; 1: an account index */
    char key[RP_TEXT];
    size_t account;
    mt_time_us ring[RP_GUESS_RING];
    uint64_t ring_session[RP_GUESS_RING];
    size_t head, n;
    int flagged;
    struct rp_evidence ev;   /* every failure once flagged, from the burst's first */
};

struct rp_finding_row {
    enum rp_finding id;
    size_t server;
    const char *client;  /* the client address, or NULL */
    const char *user;    /* password-guessing against an account, or NULL */
    const struct rp_evidence *ev;
};

struct report {
    FILE *out;
    struct mt_report_opts o;
    uint32_t *slots;           /* RP_SLOTS: the hash index of the four tables */
    struct rp_server *srv;
    size_t nsrv, cap_srv, cap_acc, cap_trk, cap_pairs;
    struct rp_account *acc;
    size_t nacc;
    struct rp_track *trk;
    size_t ntrk;
    uint64_t servers_dropped, accounts_dropped, tracks_dropped;
    /* Overview. */
    mt_time_us first_ts, last_ts;
    uint64_t sessions, by_proto[8], clear, starttls, implicit_tls, decrypted, tls_unread;
    uint64_t creds, cred_secret, cred_crackable, cred_identity, gaps, gap_bytes, warnings;
    mt_time_us next_periodic;
    uint64_t packets, drops, evicted; /* from the source, when written */
    /* Per-finding evidence kept for (server, client) pairs. */
    struct rp_pair {
        size_t server;
        char client[64];
        enum rp_finding id;
        struct rp_evidence ev;
    } *pairs;
    size_t npairs;
    uint64_t pairs_dropped;
    /* Findings, made from the tables when written. */
    struct rp_finding_row *rows;
    size_t nrows, caprows;
    char error[4096 + 256];
};

/* report_find.c */
const char *rp_finding_id(enum rp_finding f);
enum rp_severity rp_finding_severity(enum rp_finding f);
const char *rp_severity_name(enum rp_severity s);
const char *rp_finding_title(enum rp_finding f);
/* What to change, in words, for the server's software (Dovecot, Postfix,
 * Exim, Exchange, or any other). */
const char *rp_finding_fix(enum rp_finding f, const struct rp_server *s);
/* Fills r->rows from the tables, most severe first. Returns -1 when out of
 * memory. */
int rp_make_findings(struct report *r);
void rp_evidence_add(struct rp_evidence *e, uint64_t session, mt_time_us ts);
const char *rp_server_name(const struct rp_server *s, char *buf, size_t cap); /* "ip:port" */

/* report_text.c, report_html.c: write the whole report to f. */
void rp_write_text(const struct report *r, FILE *f);
void rp_write_json(const struct report *r, FILE *f);
void rp_write_html(const struct report *r, FILE *f);

#endif
