/* What the terminal interface knows: a sink of events (event.h) that keeps
 * a table of sessions and one of credentials, bounded, and writes every
 * line of every session to the spool (spool.h). The screen is drawn from
 * this; nothing here knows about curses. */
#ifndef MAILTAP_TUI_MODEL_H
#define MAILTAP_TUI_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "mailtap/event.h"
#include "mailtap/spool.h"

enum mt_tui_state { MT_ST_OPEN, MT_ST_CLOSED, MT_ST_RESET, MT_ST_TIMEOUT, MT_ST_EVICTED,
                    MT_ST_END, MT_ST_REUSED };

struct mt_tui_session {
    struct mt_session_info info;
    uint8_t proto;          /* enum mt_proto */
    uint8_t tls, starttls, implicit_tls, tls_decrypted;
    uint8_t state;          /* enum mt_tui_state */
    uint8_t cleartext;      /* a credential was sent in the clear */
    uint64_t creds;
    uint64_t bytes;
    struct mt_spool_index ix;
    /* What the server (then the client) says it runs, safe to print;
     * "" when neither said. */
    char software[80];
};

#define MT_TUI_USER 96
#define MT_TUI_SECRET 160

struct mt_tui_cred {
    size_t session;         /* index into sessions */
    uint64_t record;        /* the transcript line where it was sent */
    mt_time_us ts;
    uint8_t proto, result, starttls_offered;
    char mech[24];
    char user[MT_TUI_USER];       /* safe to print, possibly cut */
    char secret[MT_TUI_SECRET];   /* password, token or crackable line */
    char masked[MT_TUI_SECRET];   /* the same with --mask */
};

struct mt_tui_model {
    struct mt_spool *spool;
    struct mt_tui_session *s;
    size_t n, cap, max;
    struct mt_tui_cred *c;
    size_t nc, capc, maxc;
    uint64_t sessions_not_kept, creds_not_kept;
    uint64_t changes; /* counts every change, so the screen knows to redraw */
};

/* max_sessions and max_creds bound the tables; spool_max the file. */
int mt_tui_model_init(struct mt_tui_model *m, size_t max_sessions, size_t max_creds,
                      uint64_t spool_max, char *err, size_t errlen);
void mt_tui_model_free(struct mt_tui_model *m);

/* The sink to put on the bus. The model is not owned by it. */
struct mt_sink mt_tui_model_sink(struct mt_tui_model *m);

const char *mt_tui_state_name(enum mt_tui_state st);

#endif
