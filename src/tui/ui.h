/* Private to src/tui/: the state of the terminal interface and what
 * text.c, draw.c, keys.c and loop.c share. The interface only reads the model
 * (tui_model.h); it must never reach into decode, reassembly or protocols. */
#ifndef MAILTAP_TUI_UI_H
#define MAILTAP_TUI_UI_H

#include <curses.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mailtap/tui.h"

enum { PANE_SESSIONS, PANE_CONV, PANE_CREDS };
enum {
    FILTER_ALL,
    FILTER_CREDS,
    FILTER_CLEAR,
    FILTER_POP3,
    FILTER_IMAP,
    FILTER_SMTP, /* and LMTP */
    FILTER_SIEVE,
    FILTER_N
};
extern const char *const ui_filter_names[FILTER_N];

enum { PAIR_CLIENT = 1, PAIR_SERVER, PAIR_STATUS, PAIR_CRED, PAIR_CLEAR, PAIR_TLS, PAIR_STARTTLS };

#define TEXT_MAX 65536 /* longest line read back for display */

struct ui {
    struct mt_tui_model *m;
    const struct mt_tui_source *src;
    int color, utf8, mask;
    int explain;                /* 'e': the line under the cursor explained at the bottom */
    char explain_text[512];
    int focus;
    int filter, sort_creds;
    size_t *vis, nvis, vis_cap; /* sessions shown, in order */
    size_t sel, top;            /* in vis */
    size_t csel, ctop;          /* in credentials */
    size_t conv_session;        /* index into sessions, or SIZE_MAX */
    uint64_t conv_top, conv_cur;
    size_t hscroll;
    int paused, eof, help;
    int key_fd;                 /* where keys come from: stdin, or /dev/tty */
    FILE *key_in;               /* opened here when stdin is the capture */
    int src_status;
    char prompt_kind;           /* 0, '/', 's' */
    char input[256];
    size_t input_len;
    char search[256];
    char message[640];
    uint64_t drawn_changes;
    int64_t started_us;
    uint8_t *text;              /* TEXT_MAX bytes for reading records */
    int list_rows;              /* rows of the top pane (rows of data) */
    int conv_row0, conv_rows;
};

/* loop.c */
int64_t ui_now_us(void);

/* text.c: captured bytes on the screen, always through util/render.c */
/* Columns p[0..n) takes on screen. */
size_t ui_text_cols(const struct ui *u, const uint8_t *p, size_t n);
/* Bytes to drop from the head of p[0..n) (*ncols columns wide) for the rest
 * to fit in room columns; *ncols becomes the width of the rest. */
size_t ui_text_cut_head(const struct ui *u, const uint8_t *p, size_t n, size_t *ncols, size_t room);
/* Writes p[0..n) at (y, x), at most maxw columns, after skipping skip
 * columns; secret spans in reverse video; escapes dimmed. Returns columns. */
int ui_draw_text(struct ui *u, int y, int x, int maxw, size_t skip, const uint8_t *p, size_t n,
                 attr_t base, const uint32_t *soff, const uint32_t *slen, int nspans);
/* Writes s, which is already safe to show, in at most maxw columns. */
void ui_draw_str(int y, int x, int maxw, const char *s, attr_t a);
/* Hides the secret spans of a record's text in place (spans keep their
 * places); what is drawn, searched or saved masked goes through here. */
void ui_mask_spans(uint8_t *t, size_t n, const struct mt_rec *r);

/* draw.c */
void ui_draw(struct ui *u);

/* keys.c */
/* Recomputes the sessions shown (filter, order), keeping the selection. */
void ui_rebuild_list(struct ui *u);
/* Opens the selected session in the conversation pane. */
void ui_select_session(struct ui *u);
/* Handles one key (or mouse event); returns 0 to quit. */
int ui_key(struct ui *u, int ch);

#endif
