/* The one event loop of the interface: starts and stops curses, restores the
 * terminal on every way out (normal, atexit, fatal signal), pumps packets in
 * short batches and polls the keyboard; drawing is draw.c's, keys keys.c's. */
#include "ui.h"

#include <curses.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "mailtap/capture.h"
#include "mailtap/explain.h"

#define FRAME_US 50000 /* at most 20 redraws a second */
#define PUMP_US 30000  /* packets processed between looks at the keyboard */
#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

int64_t ui_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* --- the terminal back as it was, on every way out ------------------------------ */

static volatile sig_atomic_t quit_requested;
static int curses_active;

static void restore_terminal(void)
{
    if (curses_active) {
        endwin();
        curses_active = 0;
    }
}

static void set_handlers(const int *sigs, size_t n, const struct sigaction *sa,
                         struct sigaction *old)
{
    for (size_t i = 0; i < n; i++)
        sigaction(sigs[i], sa, &old[i]);
}

static void put_back_handlers(const int *sigs, size_t n, const struct sigaction *old)
{
    for (size_t i = 0; i < n; i++)
        sigaction(sigs[i], &old[i], NULL);
}

/* On a crash endwin() cannot be called (it is not async-signal-safe), but
 * the terminal must not be left raw and on the alternate screen: put back
 * the modes saved at start and leave the alternate screen with plain
 * writes, then let the previous handler (the default action, or a
 * sanitizer's report) take the signal when the fault happens again. */
static struct termios saved_tty;
static int have_saved_tty;
static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
static struct sigaction old_fatal[COUNT_OF(fatal_signals)];

static void on_fatal_signal(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    static const char reset[] = "\033[0m\033[?25h\033[?1049l\r\n";
    if (curses_active) {
        if (have_saved_tty)
            tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
        ssize_t w = write(STDOUT_FILENO, reset, sizeof reset - 1);
        (void)w;
        curses_active = 0;
    }
    for (size_t i = 0; i < COUNT_OF(fatal_signals); i++)
        if (fatal_signals[i] == sig)
            sigaction(sig, &old_fatal[i], NULL);
    /* A fault happens again when the instruction is retried, now in the
     * previous handler; a signal sent by kill(), or abort()'s, must be
     * raised again. */
    if (sig == SIGABRT || !info || info->si_code <= 0)
        raise(sig);
}

static void catch_fatal_signals(void)
{
    have_saved_tty = tcgetattr(STDIN_FILENO, &saved_tty) == 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fatal_signal;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    set_handlers(fatal_signals, COUNT_OF(fatal_signals), &sa, old_fatal);
}

static void release_fatal_signals(void)
{
    put_back_handlers(fatal_signals, COUNT_OF(fatal_signals), old_fatal);
}

/* Ctrl-C, SIGTERM and SIGHUP only set a flag: the loop sees it between two
 * steps and leaves by the one way out, which restores the terminal. */
static const int quit_signals[] = {SIGINT, SIGTERM, SIGHUP};
static struct sigaction old_quit[COUNT_OF(quit_signals)];

static void on_quit_signal(int sig)
{
    (void)sig;
    quit_requested = 1;
}

static void catch_quit_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_quit_signal;
    set_handlers(quit_signals, COUNT_OF(quit_signals), &sa, old_quit);
}

static void release_quit_signals(void)
{
    put_back_handlers(quit_signals, COUNT_OF(quit_signals), old_quit);
}

/* --- starting curses ------------------------------------------------------------ */

/* Keys from the terminal (even when standard input is the capture), no
 * echo, no delay, the mouse, and the colour pairs when colours are wanted. */
static int start_curses(struct ui *u, char *err, size_t errlen)
{
    setlocale(LC_ALL, "");
    mt_explain_init(); /* that reset LC_MESSAGES: the explanations' language again */
    const char *cs = nl_langinfo(CODESET);
    u->utf8 = cs && strcmp(cs, "UTF-8") == 0;
    /* With "-r -" standard input is the capture: keys come from the
     * terminal itself. */
    u->key_in = stdin;
    if (!isatty(STDIN_FILENO)) {
        u->key_in = fopen("/dev/tty", "r");
        if (!u->key_in) {
            snprintf(err, errlen,
                     "no terminal to read keys from (standard input is not one): use --follow");
            return -1;
        }
    }
    u->key_fd = fileno(u->key_in);
    SCREEN *scr = newterm(NULL, stdout, u->key_in);
    if (!scr) {
        if (u->key_in != stdin)
            fclose(u->key_in);
        const char *term = getenv("TERM");
        snprintf(err, errlen, "cannot start the terminal interface (TERM=%s); use --follow",
                 term ? term : "unset");
        return -1;
    }
    set_term(scr);
    curses_active = 1;
    atexit(restore_terminal);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED
#ifdef BUTTON5_PRESSED
                  | BUTTON5_PRESSED
#endif
              ,
              NULL);
    if (u->color && has_colors()) {
        start_color();
        use_default_colors();
        init_pair(PAIR_CLIENT, COLOR_RED, -1);
        init_pair(PAIR_SERVER, COLOR_BLUE, -1);
        init_pair(PAIR_STATUS, COLOR_BLACK, COLOR_CYAN);
        init_pair(PAIR_CRED, COLOR_YELLOW, -1);
        init_pair(PAIR_CLEAR, COLOR_WHITE, COLOR_RED);
        init_pair(PAIR_TLS, COLOR_BLACK, COLOR_GREEN);
        init_pair(PAIR_STARTTLS, COLOR_BLACK, COLOR_YELLOW);
    } else {
        u->color = 0;
    }
    return 0;
}

/* --- the loop ------------------------------------------------------------------- */

/* What the loop remembers between two turns: when the screen was drawn,
 * with which counts on the status line, and whether it is out of date. */
struct frame {
    int64_t last_draw;
    uint64_t packets, drops;
    int dirty;
};

/* Packets first, for at most PUMP_US, so that a key is answered between
 * batches however large the capture. Returns how long the loop may sleep
 * before the source has more: 0 at once, -1 no limit (ended). */
static int64_t pump_packets(struct ui *u, const char *msg, struct frame *f)
{
    const struct mt_tui_source *src = u->src;
    int64_t wait_us = -1;
    int64_t t0 = ui_now_us();
    int rc;
    do {
        int64_t w = 0;
        rc = src->pump(src->ctx, 256, &w);
        if (rc == MT_STEP_WAIT)
            wait_us = w;
    } while (rc == MT_STEP_MORE && ui_now_us() - t0 < PUMP_US);
    if (rc == MT_STEP_MORE)
        wait_us = 0;
    else if (rc == MT_STEP_IDLE)
        wait_us = 250000;
    else if (rc != MT_STEP_WAIT) {
        u->eof = 1;
        u->src_status = rc;
        f->dirty = 1;
        if (rc == MT_STEP_TRUNCATED || rc == MT_STEP_ERROR)
            snprintf(u->message, sizeof u->message, "%s", msg);
    }
    return wait_us;
}

/* The model changed: the list shown follows it, and the first session to
 * arrive opens in the conversation pane. */
static void follow_model(struct ui *u)
{
    if (u->m->changes == u->drawn_changes)
        return;
    size_t before = u->nvis;
    ui_rebuild_list(u);
    if (u->conv_session == SIZE_MAX || before == 0)
        ui_select_session(u);
}

/* Draws what changed, at most once every FRAME_US. The status line moves
 * with every packet and every second, even when no session changes. Returns
 * the wait, shortened to come back and draw what could not be drawn yet. */
static int64_t draw_when_due(struct ui *u, struct frame *f, int64_t wait_us)
{
    int64_t t = ui_now_us();
    uint64_t packets = 0, drops = 0, evicted = 0, half_open = 0;
    u->src->counts(u->src->ctx, &packets, &drops, &evicted, &half_open);
    if (packets != f->packets || drops != f->drops || t - f->last_draw >= 1000000)
        f->dirty = 1;
    int stale = f->dirty || u->m->changes != u->drawn_changes;
    if (stale && t - f->last_draw >= FRAME_US) {
        f->packets = packets;
        f->drops = drops;
        ui_draw(u);
        f->last_draw = t;
        f->dirty = 0;
    } else if (stale && wait_us != 0) {
        wait_us = FRAME_US - (t - f->last_draw); /* come back to draw */
    }
    return wait_us;
}

/* Then the keyboard (and the capture, when live): sleeps in poll until a
 * key, a packet or the end of the wait, a second at most for the clock, and
 * takes every key waiting. Returns 0 when one of them quits. */
static int wait_for_keys(struct ui *u, struct frame *f, int64_t wait_us)
{
    const struct mt_tui_source *src = u->src;
    struct pollfd pf[2] = {{u->key_fd, POLLIN, 0}, {src->fd, POLLIN, 0}};
    int nfd = src->live && src->fd >= 0 && !u->paused && !u->eof ? 2 : 1;
    int timeout = wait_us < 0 ? 1000 : (int)((wait_us + 999) / 1000);
    if (timeout > 1000)
        timeout = 1000; /* the clock in the status line */
    if (timeout > 0 && poll(pf, (nfds_t)nfd, timeout) == 0 && src->live)
        f->dirty = 1;
    if (timeout == 1000)
        f->dirty = 1;
    int ch, keep = 1;
    while (keep && (ch = getch()) != ERR) {
        keep = ui_key(u, ch);
        f->dirty = 1;
        f->last_draw = 0; /* answer a key at once */
    }
    return keep;
}

int mt_tui_run(struct mt_tui_model *m, const struct mt_tui_source *src,
               const struct mt_tui_opts *o, int *src_status, char *msg, size_t msglen, char *err,
               size_t errlen)
{
    struct ui u;
    memset(&u, 0, sizeof u);
    (void)msglen; /* msg is filled by the source; shown when it ends badly */
    u.m = m;
    u.src = src;
    u.color = o->color;
    u.mask = o->mask;
    u.explain = o->explain;
    u.conv_session = SIZE_MAX;
    u.started_us = ui_now_us();
    u.src_status = MT_STEP_MORE;
    u.text = malloc(TEXT_MAX);
    if (!u.text) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    catch_quit_signals();
    catch_fatal_signals();
    if (start_curses(&u, err, errlen) != 0) {
        release_fatal_signals();
        release_quit_signals(); /* Ctrl-C stops the capture again while main winds up */
        free(u.text);
        return -1;
    }
    struct frame f = {.dirty = 1};
    while (!quit_requested) {
        int64_t wait_us = -1;
        if (!u.paused && !u.eof)
            wait_us = pump_packets(&u, msg, &f);
        follow_model(&u);
        wait_us = draw_when_due(&u, &f, wait_us);
        if (!wait_for_keys(&u, &f, wait_us))
            break;
    }
    restore_terminal();
    if (u.key_in && u.key_in != stdin)
        fclose(u.key_in);
    release_fatal_signals();
    release_quit_signals();
    *src_status = u.src_status;
    free(u.vis);
    free(u.text);
    return 0;
}
