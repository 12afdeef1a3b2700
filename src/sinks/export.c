/* --export: each direction's reassembled bytes into a file named as
 * tcpflow names it, and for a TLS session read with its key log the
 * decrypted bytes beside it (NAME.decrypted); gaps skipped, never filled;
 * no file ever overwritten; files made 0600 (they hold what the logins
 * exposed); at most --max-open-files open at once. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "mailtap/output.h"

/* The files of a session: each direction's bytes as on the wire, then
 * each direction's decrypted TLS bytes. */
#define STREAMS 4
#define DECRYPTED 2 /* the decrypted stream of direction d is d + DECRYPTED */

/* Per-session state: its files and a place in the list of sessions
 * holding open files (most recently written last). */
struct exp_session {
    struct mt_session_info info;
    char name[STREAMS][144];
    FILE *fp[STREAMS];
    int created[STREAMS];
    int refused[STREAMS]; /* replaced while closed: not written to again */
    struct exp_session *prev, *next;
    int listed;
    struct exp_session *all_prev, *all_next; /* every live session, freed at the
                                              * end even if no end event came */
};

struct exporter {
    char *dir;
    size_t max_open;
    size_t open_files;
    struct exp_session *head, *tail;
    struct exp_session *all;
    uint64_t refused; /* files replaced while closed, not written to again */
    char error[PATH_MAX + 256];
};

static size_t format_addr(const struct mt_endpoint *ep, char *buf, size_t cap)
{
    int n;
    if (ep->family == 4) {
        n = snprintf(buf, cap, "%03u.%03u.%03u.%03u", ep->addr[0], ep->addr[1], ep->addr[2],
                     ep->addr[3]);
    } else {
        char a[INET6_ADDRSTRLEN];
        if (!inet_ntop(AF_INET6, ep->addr, a, sizeof a))
            snprintf(a, sizeof a, "invalid");
        n = snprintf(buf, cap, "%s", a);
    }
    return n < 0 ? 0 : (size_t)n;
}

size_t mt_export_name(const struct mt_session_info *s, enum mt_dir dir, char *buf, size_t cap)
{
    const struct mt_endpoint *src = dir == MT_DIR_CLIENT ? &s->client : &s->server;
    const struct mt_endpoint *dst = dir == MT_DIR_CLIENT ? &s->server : &s->client;
    char a[64], b[64], reuse[16] = "";
    format_addr(src, a, sizeof a);
    format_addr(dst, b, sizeof b);
    if (s->reuse)
        snprintf(reuse, sizeof reuse, "c%u", s->reuse);
    int n = snprintf(buf, cap, "%s.%05u-%s.%05u%s", a, src->port, b, dst->port, reuse);
    return n < 0 ? 0 : (size_t)n;
}

static void unlist(struct exporter *x, struct exp_session *s)
{
    if (!s->listed)
        return;
    if (s->prev)
        s->prev->next = s->next;
    else
        x->head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    else
        x->tail = s->prev;
    s->prev = s->next = NULL;
    s->listed = 0;
}

static void list_last(struct exporter *x, struct exp_session *s)
{
    unlist(x, s);
    s->prev = x->tail;
    if (x->tail)
        x->tail->next = s;
    else
        x->head = s;
    x->tail = s;
    s->listed = 1;
}

static int close_files(struct exporter *x, struct exp_session *s)
{
    int rc = 0;
    for (int d = 0; d < STREAMS; d++) {
        if (!s->fp[d])
            continue;
        if (fclose(s->fp[d]) != 0 && rc == 0) {
            snprintf(x->error, sizeof x->error, "%s/%s: %s", x->dir, s->name[d], strerror(errno));
            rc = -1;
        }
        s->fp[d] = NULL;
        x->open_files--;
    }
    unlist(x, s);
    return rc;
}

/* Most names tried for one direction of a session before giving up. */
#define MAX_NAME_TRIES 100000u

/* DIR/NAME into path; 0, or -1 (with the error set) if it does not fit. */
static int make_path(struct exporter *x, const char *name, char *path, size_t cap)
{
    int n = snprintf(path, cap, "%s/%s", x->dir, name);
    if (n < 0 || (size_t)n >= cap) {
        snprintf(x->error, sizeof x->error, "%s: %s", x->dir, strerror(ENAMETOOLONG));
        return -1;
    }
    return 0;
}

/* Creates the file of one direction of a session, named as tcpflow names
 * it: the first of NAME, NAMEc1, NAMEc2... that does not exist yet. O_EXCL:
 * no earlier file (a session on the same addresses and ports, an earlier
 * run) is ever overwritten, and nothing planted in the directory (a link,
 * a FIFO) is ever opened. The name found is kept in s->name[d] for
 * reopening. */
static int create_file(struct exporter *x, struct exp_session *s, int d, char *path, size_t cap)
{
    struct mt_session_info info = s->info;
    for (unsigned n = 0; n < MAX_NAME_TRIES; n++) {
        if (d < DECRYPTED) {
            info.reuse = n;
            mt_export_name(&info, (enum mt_dir)d, s->name[d], sizeof s->name[d]);
        } else { /* beside the wire file of its direction */
            snprintf(s->name[d], sizeof s->name[d], n ? "%s.decrypted%u" : "%s.decrypted",
                     s->name[d - DECRYPTED], n);
        }
        if (make_path(x, s->name[d], path, cap) != 0)
            return -1;
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0)
            return fd;
        if (errno != EEXIST)
            break;
    }
    snprintf(x->error, sizeof x->error, "%s: %s", path,
             errno == EEXIST ? "no free name left" : strerror(errno));
    return -1;
}

/* Reopens a file closed to save descriptors, to append. Something put in
 * its place meanwhile is refused: a link is not followed, and a FIFO or
 * device is neither waited on (O_NONBLOCK) nor written. That one file is
 * given up with a warning (-2); the run goes on. */
static int reopen_file(struct exporter *x, struct exp_session *s, int d, char *path, size_t cap)
{
    if (make_path(x, s->name[d], path, cap) != 0)
        return -1;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    struct stat st;
    if (fd < 0 ? errno == ELOOP || errno == ENXIO || errno == EISDIR
               : fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr,
                "mailtap: %s: replaced by something that is not a file while mailtap ran; "
                "not written to from here\n",
                path);
        if (fd >= 0)
            close(fd);
        s->refused[d] = 1;
        x->refused++;
        return -2;
    }
    if (fd < 0) {
        snprintf(x->error, sizeof x->error, "%s: %s", path, strerror(errno));
        return -1;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    return fd;
}

static int write_data(struct exporter *x, struct exp_session *s, const struct mt_event *ev)
{
    int d = ev->dir + (ev->type == MT_EV_DECRYPTED ? DECRYPTED : 0);
    if (s->refused[d])
        return 0;
    if (!s->fp[d]) {
        while (x->open_files >= x->max_open && x->head)
            if (close_files(x, x->head) != 0)
                return -1;
        char path[PATH_MAX];
        int fd;
        if (!s->created[d]) {
            fd = create_file(x, s, d, path, sizeof path);
            if (fd < 0)
                return -1;
        } else {
            fd = reopen_file(x, s, d, path, sizeof path);
            if (fd < 0)
                return fd == -2 ? 0 : -1;
        }
        s->fp[d] = fdopen(fd, s->created[d] ? "ab" : "wb");
        if (!s->fp[d]) {
            snprintf(x->error, sizeof x->error, "%s: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
        s->created[d] = 1;
        x->open_files++;
    }
    list_last(x, s);
    if (fwrite(ev->data, 1, ev->len, s->fp[d]) != ev->len) {
        snprintf(x->error, sizeof x->error, "%s/%s: %s", x->dir, s->name[d], strerror(errno));
        return -1;
    }
    return 0;
}

/* Unlinks a session from the list of all and frees it. */
static void forget(struct exporter *x, struct exp_session *s)
{
    if (s->all_prev)
        s->all_prev->all_next = s->all_next;
    else
        x->all = s->all_next;
    if (s->all_next)
        s->all_next->all_prev = s->all_prev;
    free(s);
}

static int export_event(void *ctx, const struct mt_event *ev, void **slot)
{
    struct exporter *x = ctx;
    if (!slot)
        return 0;
    struct exp_session *s = *slot;
    switch (ev->type) {
    case MT_EV_SESSION_START:
        s = calloc(1, sizeof *s);
        if (!s) {
            snprintf(x->error, sizeof x->error, "%s: out of memory", x->dir);
            return -1;
        }
        /* File names are chosen when each direction is first written. */
        s->info = *ev->session;
        s->all_next = x->all;
        if (x->all)
            x->all->all_prev = s;
        x->all = s;
        *slot = s;
        return 0;
    case MT_EV_DATA:
    case MT_EV_DECRYPTED:
        return s ? write_data(x, s, ev) : 0;
    case MT_EV_SESSION_END: {
        if (!s)
            return 0;
        int rc = close_files(x, s);
        forget(x, s);
        *slot = NULL;
        return rc;
    }
    case MT_EV_GAP: /* never filled with invented bytes */
    case MT_EV_MESSAGE:
    case MT_EV_CREDENTIAL:
    case MT_EV_TLS:
    case MT_EV_WARNING:
    case MT_EV_SOFTWARE:
    case MT_EV_CERT:
        return 0;
    }
    return 0;
}

static int export_finish(void *ctx)
{
    struct exporter *x = ctx;
    int rc = 0;
    while (x->head)
        if (close_files(x, x->head) != 0)
            rc = -1;
    if (x->refused)
        fprintf(stderr,
                "mailtap: --export: %" PRIu64
                " files not written to their end (replaced while mailtap ran)\n",
                x->refused);
    x->refused = 0;
    return rc;
}

static const char *export_error(void *ctx) { return ((struct exporter *)ctx)->error; }

static void export_destroy(void *ctx)
{
    struct exporter *x = ctx;
    export_finish(x);
    /* Sessions whose end never came (an output failed and the bus stopped). */
    while (x->all)
        forget(x, x->all);
    free(x->dir);
    free(x);
}

int mt_export_sink(const char *dir, size_t max_open, struct mt_sink *sink, char *err,
                   size_t errlen)
{
    struct stat st;
    if (stat(dir, &st) != 0) {
        /* Its files hold what the logins sent: for their owner alone. */
        if (errno != ENOENT || mkdir(dir, 0700) != 0) {
            snprintf(err, errlen, "%s: %s", dir, strerror(errno));
            return -1;
        }
    } else if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: not a directory", dir);
        return -1;
    } else if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0) {
        /* Say so now rather than at the first session (a live capture
         * runs as nobody by then: see privs.h). */
        snprintf(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    struct exporter *x = calloc(1, sizeof *x);
    if (!x || !(x->dir = strdup(dir))) {
        free(x);
        snprintf(err, errlen, "%s: out of memory", dir);
        return -1;
    }
    x->max_open = max_open ? max_open : 1;
    *sink = (struct mt_sink){export_event, export_finish, export_error, export_destroy, x, 0};
    return 0;
}
