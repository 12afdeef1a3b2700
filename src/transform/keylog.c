/* TLS key logs (keylog.h): the SSLKEYLOGFILE line parser, the bounded table
 * of secrets by client random, and key log files read again as they grow. */
#include "mailtap/keylog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mailtap/render.h"
#include "mailtap/siphash.h"

#define LINE_LIMIT 1024       /* longest line, without its line end */
#define READ_CHUNK 65536      /* a file is read through a buffer this big */
#define WARN_PER_SOURCE 10    /* malformed lines shown per source */
#define WARN_TOTAL 50         /* warning lines of all sources together */
#define NONE UINT32_MAX       /* no entry, no secret */
#define REC_HEAD 6            /* label, length, next record (4 bytes) */
#define CHUNK_BITS 20         /* secrets are kept in chunks of 1 MiB */
#define CHUNK ((size_t)1 << CHUNK_BITS)
#define MAX_CHUNKS 4095       /* record offsets (chunk, position) stay below NONE */
#define NAME_MAX_BYTES 512

/* One client random. Its secrets are records in the arena, linked from
 * first: [label][length][offset of the next one][the secret's bytes], so
 * each costs its length and 6 bytes. */
struct entry {
    uint8_t random[MT_KEYLOG_RANDOM];
    uint32_t next;  /* next entry of the bucket, or NONE */
    uint32_t first; /* arena offset of its newest secret, or NONE */
};

/* The secrets' records, in chunks that are never moved or grown, so
 * memory follows what is kept (and a record's offset stays valid). */
struct arena {
    uint8_t **chunk;
    size_t nchunks, chunk_cap;
    size_t pos;           /* bytes used in the last chunk */
    size_t live, garbage; /* bytes of records kept, and of replaced ones */
};

/* Where lines come from, for warnings. */
struct source {
    char name[NAME_MAX_BYTES]; /* made safe to print */
    int is_file;               /* "NAME:17:" rather than "NAME, line 17:" */
    uint64_t line;             /* lines read so far */
    unsigned warned;           /* malformed lines shown */
    uint64_t unshown;          /* malformed lines of this read not shown */
};

struct kfile {
    struct source src;
    char *path;
    int fd;            /* kept open: read again after root is given up */
    dev_t dev;
    ino_t ino;
    uint64_t offset;   /* bytes read: complete lines (a tail taken starts here) */
    uint64_t seen;     /* the file's size when it was last read */
    uint8_t mark[32];  /* the bytes before offset (a file written anew) */
    size_t mark_len;
    int tail;          /* a last line without a line end was taken at the first read */
    int tail_kind;     /* what it was, to take back when it is read whole */
    int skipping;      /* inside a line too long, up to its end */
    int unreadable;    /* said that it cannot be read; not again until it can */
};

struct mt_keylog {
    size_t max;
    mt_keylog_warn_fn warn;
    void *ctx;
    uint8_t hkey[16];
    struct entry *e;
    size_t n, cap;
    uint32_t *bucket; /* entry index or NONE; nbuckets a power of two */
    size_t nbuckets;
    struct arena ks;
    struct kfile *files;
    size_t nfiles, fcap;
    uint8_t *rbuf;
    unsigned warned_total;
    uint64_t taken; /* secrets stored, replacements too */
    struct mt_keylog_stats st;
    int from_capture;       /* lines being read are a capture's own */
    size_t capture_entries; /* client randoms that came from a capture */
};

enum line_kind { LINE_SECRET, LINE_SKIPPED, LINE_MALFORMED, LINE_DROPPED };

struct parsed {
    enum mt_keylog_label label;
    uint8_t random[MT_KEYLOG_RANDOM];
    uint8_t secret[MT_KEYLOG_SECRET_MAX];
    size_t len;
};

#define LABEL(s) {s, sizeof s - 1}
static const struct {
    const char *name;
    size_t len;
} labels[MT_KEY_LABELS] = {
    [MT_KEY_MASTER] = LABEL("CLIENT_RANDOM"),
    [MT_KEY_CLIENT_HANDSHAKE] = LABEL("CLIENT_HANDSHAKE_TRAFFIC_SECRET"),
    [MT_KEY_SERVER_HANDSHAKE] = LABEL("SERVER_HANDSHAKE_TRAFFIC_SECRET"),
    [MT_KEY_CLIENT_TRAFFIC_0] = LABEL("CLIENT_TRAFFIC_SECRET_0"),
    [MT_KEY_SERVER_TRAFFIC_0] = LABEL("SERVER_TRAFFIC_SECRET_0"),
};

/* --- warnings ------------------------------------------------------------ */

__attribute__((format(printf, 2, 3))) static void say(struct mt_keylog *k, const char *fmt, ...)
{
    if (!k->warn || k->warned_total >= WARN_TOTAL)
        return;
    char line[NAME_MAX_BYTES + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    k->warn(k->ctx, line);
    if (++k->warned_total == WARN_TOTAL)
        k->warn(k->ctx, "key log: more problems are counted but not shown");
}

static void warn_line(struct mt_keylog *k, struct source *src, const char *why)
{
    if (src->warned >= WARN_PER_SOURCE || k->warned_total >= WARN_TOTAL) {
        src->unshown++;
        return;
    }
    src->warned++;
    say(k, "%s%s%llu: not a key log line (%s)", src->name, src->is_file ? ":" : ", line ",
        (unsigned long long)src->line, why);
}

/* At the end of a read: how many malformed lines were not shown. */
static void end_of_read(struct mt_keylog *k, struct source *src)
{
    if (src->unshown > 0)
        say(k, "%s: %llu more malformed line%s not shown", src->name,
            (unsigned long long)src->unshown, src->unshown == 1 ? "" : "s");
    src->unshown = 0;
}

static void name_source(struct source *src, const char *name, int is_file)
{
    memset(src, 0, sizeof *src);
    mt_render_buf(src->name, sizeof src->name, (const uint8_t *)name, strlen(name), 0);
    src->is_file = is_file;
}

/* --- parsing ----------------------------------------------------------------- */

static int is_blank(uint8_t c) { return c == ' ' || c == '\t'; }

static size_t skip_blanks(const uint8_t *p, size_t i, size_t n)
{
    while (i < n && is_blank(p[i]))
        i++;
    return i;
}

static size_t token_end(const uint8_t *p, size_t i, size_t n)
{
    while (i < n && !is_blank(p[i]))
        i++;
    return i;
}

/* Each hex digit's value plus one; 0 for anything else. */
static const uint8_t hex_plus1[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* Decodes 2*len hex digits of either case; 0 if one is not a digit. */
static int unhex(const uint8_t *p, size_t len, uint8_t *out)
{
    unsigned bad = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned hi = hex_plus1[p[2 * i]], lo = hex_plus1[p[2 * i + 1]];
        bad |= (hi == 0) | (lo == 0);
        out[i] = (uint8_t)((hi - 1) << 4 | (lo - 1));
    }
    return !bad;
}

#define NOT_A_LABEL (-1)
#define OTHER_LABEL (-2)

/* A label used, OTHER_LABEL for one of the format's others (or a later
 * one: capitals, digits and '_'), NOT_A_LABEL for anything else. */
static int label_of(const uint8_t *p, size_t n)
{
    if (n == 0 || n > 64)
        return NOT_A_LABEL;
    for (size_t i = 0; i < n; i++)
        if (!((p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '_'))
            return NOT_A_LABEL;
    for (int l = 0; l < MT_KEY_LABELS; l++)
        if (labels[l].len == n && memcmp(labels[l].name, p, n) == 0)
            return l;
    return OTHER_LABEL;
}

/* The secret field of a line: p[i..e) with nothing after it up to n. */
static const char *parse_secret(const uint8_t *p, size_t i, size_t e, size_t n, struct parsed *out)
{
    size_t digits = e - i;
    if (digits == 0)
        return "no secret";
    if (digits > 2 * MT_KEYLOG_SECRET_MAX)
        return "secret longer than 64 bytes";
    if (digits % 2)
        return "secret has an odd number of hex digits";
    if (!unhex(p + i, digits / 2, out->secret))
        return "secret is not hex digits";
    out->len = digits / 2;
    if (out->label == MT_KEY_MASTER && out->len != 48)
        return "CLIENT_RANDOM secret is not 48 bytes";
    if (skip_blanks(p, e, n) != n)
        return "text after the secret";
    return NULL;
}

/* One line, without its '\n'. Blanks (spaces, tabs) may be more than one
 * between fields and may lead or trail; a '\r' before the '\n' is dropped. */
static enum line_kind parse_line(const uint8_t *p, size_t n, struct parsed *out, const char **why)
{
    if (n > 0 && p[n - 1] == '\r')
        n--;
    if (n > LINE_LIMIT) {
        *why = "line longer than 1024 bytes";
        return LINE_MALFORMED;
    }
    while (n > 0 && (is_blank(p[n - 1]) || p[n - 1] == '\r'))
        n--;
    size_t i = skip_blanks(p, 0, n);
    if (i == n || p[i] == '#')
        return LINE_SKIPPED;
    size_t e = token_end(p, i, n);
    int label = label_of(p + i, e - i);
    if (label == OTHER_LABEL)
        return LINE_SKIPPED;
    if (label == NOT_A_LABEL) {
        *why = "no label";
        return LINE_MALFORMED;
    }
    out->label = (enum mt_keylog_label)label;
    i = skip_blanks(p, e, n);
    e = token_end(p, i, n);
    if (e - i != 2 * MT_KEYLOG_RANDOM || !unhex(p + i, MT_KEYLOG_RANDOM, out->random)) {
        *why = "client random is not 64 hex digits";
        return LINE_MALFORMED;
    }
    i = skip_blanks(p, e, n);
    *why = parse_secret(p, i, token_end(p, i, n), n, out);
    return *why ? LINE_MALFORMED : LINE_SECRET;
}

/* --- the table ----------------------------------------------------------------- */

static uint32_t lookup(const struct mt_keylog *k, const uint8_t *random, uint64_t h)
{
    if (k->nbuckets == 0)
        return NONE;
    for (uint32_t i = k->bucket[h & (k->nbuckets - 1)]; i != NONE; i = k->e[i].next)
        if (memcmp(k->e[i].random, random, MT_KEYLOG_RANDOM) == 0)
            return i;
    return NONE;
}

static uint64_t hash_of(const struct mt_keylog *k, const uint8_t *random)
{
    return mt_siphash(k->hkey, random, MT_KEYLOG_RANDOM);
}

/* Doubles the buckets (chains of two entries on average at most); kept as
 * they are if there is no memory: chains only get longer. */
static void rehash(struct mt_keylog *k)
{
    size_t nb = k->nbuckets ? k->nbuckets * 2 : 64;
    uint32_t *b = malloc(nb * sizeof *b);
    if (!b)
        return;
    free(k->bucket);
    k->bucket = b;
    k->nbuckets = nb;
    memset(b, 0xff, nb * sizeof *b);
    for (size_t i = 0; i < k->n; i++) {
        size_t at = hash_of(k, k->e[i].random) & (nb - 1);
        k->e[i].next = b[at];
        b[at] = (uint32_t)i;
    }
}

/* A new entry for this random, or NONE (the table is full). */
static uint32_t add_entry(struct mt_keylog *k, const uint8_t *random, uint64_t h)
{
    if (k->n >= k->max)
        return NONE;
    if (k->n == k->cap) {
        size_t cap = k->cap < 64 ? 64 : k->cap + k->cap / 2;
        if (cap > k->max)
            cap = k->max;
        struct entry *e = realloc(k->e, cap * sizeof *e);
        if (!e)
            return NONE;
        k->e = e;
        k->cap = cap;
    }
    if (k->n >= 2 * k->nbuckets)
        rehash(k);
    if (k->nbuckets == 0)
        return NONE;
    uint32_t i = (uint32_t)k->n++;
    memcpy(k->e[i].random, random, MT_KEYLOG_RANDOM);
    k->e[i].first = NONE;
    size_t at = h & (k->nbuckets - 1);
    k->e[i].next = k->bucket[at];
    k->bucket[at] = i;
    return i;
}

/* --- secrets: records in chunks that never move ---------------------------------- */

static uint8_t *rec(const struct arena *a, uint32_t off)
{
    return a->chunk[off >> CHUNK_BITS] + (off & (CHUNK - 1));
}

static uint32_t rec_next(const struct arena *a, uint32_t off)
{
    uint32_t v;
    memcpy(&v, rec(a, off) + 2, 4);
    return v;
}

static void set_rec_next(struct arena *a, uint32_t off, uint32_t v)
{
    memcpy(rec(a, off) + 2, &v, 4);
}

/* Room for a record of len bytes: its offset, or NONE. */
static uint32_t alloc_rec(struct arena *a, size_t len)
{
    if (a->nchunks == 0 || a->pos + len > CHUNK) {
        if (a->nchunks == MAX_CHUNKS)
            return NONE;
        if (a->nchunks == a->chunk_cap) {
            size_t cap = a->chunk_cap ? a->chunk_cap * 2 : 8;
            uint8_t **c = realloc(a->chunk, cap * sizeof *c);
            if (!c)
                return NONE;
            a->chunk = c;
            a->chunk_cap = cap;
        }
        if (!(a->chunk[a->nchunks] = malloc(CHUNK)))
            return NONE;
        a->nchunks++;
        a->pos = 0;
    }
    uint32_t off = (uint32_t)((a->nchunks - 1) << CHUNK_BITS | a->pos);
    a->pos += len;
    a->live += len;
    return off;
}

static void free_arena(struct arena *a)
{
    for (size_t i = 0; i < a->nchunks; i++) {
        explicit_bzero(a->chunk[i], CHUNK); /* secrets wiped before the memory goes */
        free(a->chunk[i]);
    }
    free(a->chunk);
}

/* Copies the live records to new chunks, leaving out replaced ones. */
static void compact(struct mt_keylog *k)
{
    struct arena b = {0};
    for (size_t i = 0; i < k->n; i++) {
        uint32_t prev = NONE;
        for (uint32_t r = k->e[i].first; r != NONE; r = rec_next(&k->ks, r)) {
            size_t len = REC_HEAD + (size_t)rec(&k->ks, r)[1];
            uint32_t at = alloc_rec(&b, len);
            if (at == NONE) {
                free_arena(&b); /* no memory: the old ones stay */
                return;
            }
            memcpy(rec(&b, at), rec(&k->ks, r), len); /* the last keeps its NONE */
            if (prev == NONE)
                k->e[i].first = at;
            else
                set_rec_next(&b, prev, at);
            prev = at;
        }
    }
    free_arena(&k->ks);
    k->ks = b;
}

/* The record of this label for entry i, and the one before it (NONE: the
 * entry's first), or NONE. */
static uint32_t find_rec(const struct mt_keylog *k, uint32_t i, int label, uint32_t *prev)
{
    *prev = NONE;
    for (uint32_t r = k->e[i].first; r != NONE; r = rec_next(&k->ks, r)) {
        if (rec(&k->ks, r)[0] == label)
            return r;
        *prev = r;
    }
    return NONE;
}

/* Stores a secret for entry i; one of the same label is replaced (in place
 * when it has the same length). 0 if there is no memory for it. */
static int put_secret(struct mt_keylog *k, uint32_t i, const struct parsed *l)
{
    struct arena *a = &k->ks;
    uint32_t prev, r = find_rec(k, i, (int)l->label, &prev);
    if (r != NONE && rec(a, r)[1] == l->len) {
        memcpy(rec(a, r) + REC_HEAD, l->secret, l->len);
        return 1;
    }
    if (a->garbage > CHUNK && a->garbage > a->live) {
        compact(k);
        r = find_rec(k, i, (int)l->label, &prev);
    }
    uint32_t off = alloc_rec(a, REC_HEAD + l->len);
    if (off == NONE)
        return 0;
    if (r != NONE) { /* unlinked: its bytes wait for the next compaction */
        uint32_t next = rec_next(a, r);
        if (prev == NONE)
            k->e[i].first = next;
        else
            set_rec_next(a, prev, next);
        size_t len = REC_HEAD + (size_t)rec(a, r)[1];
        a->garbage += len;
        a->live -= len;
    }
    uint8_t *p = rec(a, off);
    p[0] = (uint8_t)l->label;
    p[1] = (uint8_t)l->len;
    set_rec_next(a, off, k->e[i].first);
    memcpy(p + REC_HEAD, l->secret, l->len);
    k->e[i].first = off;
    return 1;
}

static enum line_kind store(struct mt_keylog *k, const struct parsed *l)
{
    uint64_t h = hash_of(k, l->random);
    uint32_t i = lookup(k, l->random, h);
    /* A capture's secrets never replace the user's, and leave half the
     * table to the key logs that may still grow. */
    uint32_t prev;
    if (i != NONE && k->from_capture && find_rec(k, i, (int)l->label, &prev) != NONE)
        return LINE_SKIPPED;
    if (i == NONE) {
        if (k->from_capture && k->capture_entries >= k->max / 2)
            return LINE_DROPPED;
        if ((i = add_entry(k, l->random, h)) != NONE && k->from_capture)
            k->capture_entries++;
    }
    if (i == NONE || !put_secret(k, i, l))
        return LINE_DROPPED;
    k->taken++;
    return LINE_SECRET;
}

/* --- lines ------------------------------------------------------------------------ */

static uint64_t *counter(struct mt_keylog *k, int kind)
{
    switch (kind) {
    case LINE_SECRET:
        return &k->st.secrets;
    case LINE_SKIPPED:
        return &k->st.skipped;
    case LINE_MALFORMED:
        return &k->st.malformed;
    default:
        return &k->st.dropped;
    }
}

/* Reads, counts and stores one line (without its '\n'). */
static int take_line(struct mt_keylog *k, struct source *src, const uint8_t *p, size_t n)
{
    struct parsed l;
    const char *why = NULL;
    src->line++;
    k->st.lines++;
    enum line_kind kind = parse_line(p, n, &l, &why);
    if (kind == LINE_SECRET)
        kind = store(k, &l);
    ++*counter(k, (int)kind);
    if (kind == LINE_MALFORMED)
        warn_line(k, src, why);
    return (int)kind;
}

void mt_keylog_add_text(struct mt_keylog *k, const uint8_t *p, size_t n, const char *source)
{
    struct source src;
    name_source(&src, source ? source : "key log text", 0);
    while (n > 0 && p[n - 1] == '\0') /* padding after the text */
        n--;
    while (n > 0) {
        const uint8_t *nl = memchr(p, '\n', n);
        size_t len = nl ? (size_t)(nl - p) : n;
        take_line(k, &src, p, len);
        size_t step = nl ? len + 1 : len;
        p += step;
        n -= step;
    }
    end_of_read(k, &src);
}

void mt_keylog_add_capture_text(struct mt_keylog *k, const uint8_t *p, size_t n,
                                const char *source)
{
    k->from_capture = 1;
    mt_keylog_add_text(k, p, n, source);
    k->from_capture = 0;
}

/* --- files -------------------------------------------------------------------------- */

/* A line of a file: the last line taken without its line end (at the
 * first read) is taken back first, since it is being read again whole. */
static int take_file_line(struct mt_keylog *k, struct kfile *f, const uint8_t *p, size_t n)
{
    if (f->tail) {
        k->st.lines--;
        --*counter(k, f->tail_kind);
        f->tail = 0;
    }
    return take_line(k, &f->src, p, n);
}

/* Takes the complete lines of buf[0..have), which starts at f->offset.
 * Returns the bytes used; what is left is the start of a line. */
static size_t take_lines(struct mt_keylog *k, struct kfile *f, const uint8_t *buf, size_t have)
{
    size_t s = 0;
    while (s < have) {
        const uint8_t *nl = memchr(buf + s, '\n', have - s);
        if (!nl)
            break;
        size_t end = (size_t)(nl - buf);
        if (f->skipping)
            f->skipping = 0; /* the end of a line too long, already counted */
        else
            take_file_line(k, f, buf + s, end - s);
        s = end + 1;
    }
    if (f->skipping)
        return have;
    if (have - s > LINE_LIMIT + 1) { /* too long whatever follows (+1: a '\r') */
        take_file_line(k, f, buf + s, have - s);
        f->skipping = 1;
        return have;
    }
    return s;
}

/* Reads f from its offset to the end: complete lines, and with take_tail a
 * last line without a line end too. Returns 0 or an errno. */
static int read_from(struct mt_keylog *k, struct kfile *f, int fd, int take_tail)
{
    uint8_t *buf = k->rbuf;
    size_t have = 0; /* bytes in buf, from f->offset on */
    for (;;) {
        ssize_t r = pread(fd, buf + have, READ_CHUNK - have, (off_t)(f->offset + have));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return errno;
        if (r == 0)
            break;
        have += (size_t)r;
        size_t used = take_lines(k, f, buf, have);
        memmove(buf, buf + used, have - used);
        have -= used;
        f->offset += used;
    }
    if (have > 0 && take_tail) {
        f->tail_kind = take_file_line(k, f, buf, have);
        f->src.line--; /* read again, as this line, when it is whole */
        f->tail = 1;
    }
    f->seen = f->offset + have;
    f->mark_len = f->offset < sizeof f->mark ? (size_t)f->offset : sizeof f->mark;
    if (f->mark_len &&
        pread(fd, f->mark, f->mark_len, (off_t)(f->offset - f->mark_len)) != (ssize_t)f->mark_len)
        f->mark_len = 0;
    return 0;
}

/* Whether the bytes before the offset are still those read there. */
static int mark_holds(const struct kfile *f)
{
    uint8_t now[sizeof f->mark];
    return f->mark_len == 0 ||
           (pread(f->fd, now, f->mark_len, (off_t)(f->offset - f->mark_len)) ==
                (ssize_t)f->mark_len &&
            memcmp(now, f->mark, f->mark_len) == 0);
}

/* Opens a key log for reading; -1 with errno (EINVAL: not a regular file,
 * which could not be read again from where it ended). */
static int open_file(const char *path, struct stat *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -1;
    int e = fstat(fd, st) != 0      ? errno
            : S_ISDIR(st->st_mode)  ? EISDIR
            : !S_ISREG(st->st_mode) ? EINVAL
                                    : 0;
    if (e) {
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static const char *file_error(int e)
{
    return e == EINVAL ? "not a regular file" : strerror(e);
}

int mt_keylog_add_file(struct mt_keylog *k, const char *path, char *err, size_t errlen)
{
    struct source src;
    name_source(&src, path, 1);
    if (k->nfiles == k->fcap) {
        size_t cap = k->fcap ? k->fcap * 2 : 4;
        struct kfile *fs = realloc(k->files, cap * sizeof *fs);
        if (!fs) {
            snprintf(err, errlen, "%s: %s", src.name, strerror(ENOMEM));
            return -1;
        }
        k->files = fs;
        k->fcap = cap;
    }
    if (!k->rbuf && !(k->rbuf = malloc(READ_CHUNK))) {
        snprintf(err, errlen, "%s: %s", src.name, strerror(ENOMEM));
        return -1;
    }
    struct stat st;
    int fd = open_file(path, &st);
    struct kfile *f = &k->files[k->nfiles];
    memset(f, 0, sizeof *f);
    f->src = src;
    int e = fd < 0 ? errno : !(f->path = strdup(path)) ? ENOMEM : read_from(k, f, fd, 1);
    if (e) {
        if (fd >= 0)
            close(fd);
        free(f->path);
        snprintf(err, errlen, "%s: %s", src.name, file_error(e));
        return -1;
    }
    f->fd = fd;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    end_of_read(k, &f->src);
    k->nfiles++;
    return 0;
}

/* A key log put in the place of the one open (rotated, written anew):
 * read from its start, if it can be opened (as the user mailtap now runs
 * as); otherwise the open one is still read. */
static void follow_replaced(struct kfile *f)
{
    struct stat st;
    if (stat(f->path, &st) != 0 || (st.st_dev == f->dev && st.st_ino == f->ino))
        return;
    int fd = open_file(f->path, &st);
    if (fd < 0)
        return;
    close(f->fd);
    f->fd = fd;
    f->dev = st.st_dev;
    f->ino = st.st_ino;
    f->seen = 0;
    f->offset = 0;
    f->src.line = 0;
    f->tail = 0;
    f->skipping = 0;
}

/* Reads what a file gained; from the start if it shrank or was replaced. */
static void refresh_file(struct mt_keylog *k, struct kfile *f)
{
    follow_replaced(f);
    struct stat st;
    if (fstat(f->fd, &st) != 0) {
        if (!f->unreadable)
            say(k, "%s: %s", f->src.name, strerror(errno));
        f->unreadable = 1;
        return;
    }
    f->unreadable = 0;
    uint64_t size = (uint64_t)st.st_size;
    if (size < f->seen || !mark_holds(f)) { /* shorter, or written anew */
        f->offset = 0;
        f->src.line = 0;
        f->tail = 0;
        f->skipping = 0;
    } else if (size == f->seen) {
        return;
    }
    k->st.rereads++;
    int e = read_from(k, f, f->fd, 0);
    if (e) {
        say(k, "%s: %s", f->src.name, strerror(e));
        f->unreadable = 1;
    }
    end_of_read(k, &f->src);
}

size_t mt_keylog_refresh(struct mt_keylog *k)
{
    uint64_t before = k->taken;
    for (size_t i = 0; i < k->nfiles; i++)
        refresh_file(k, &k->files[i]);
    return (size_t)(k->taken - before);
}

/* --- the rest of the interface --------------------------------------------------------------- */

struct mt_keylog *mt_keylog_new(size_t max_randoms, mt_keylog_warn_fn warn, void *ctx)
{
    struct mt_keylog *k = calloc(1, sizeof *k);
    if (!k)
        return NULL;
    k->max = max_randoms ? max_randoms : MT_KEYLOG_DEFAULT_MAX_KEYS;
    if (k->max > NONE - 1)
        k->max = NONE - 1;
    k->warn = warn;
    k->ctx = ctx;
    mt_siphash_random_key(k->hkey);
    return k;
}

void mt_keylog_free(struct mt_keylog *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->nfiles; i++) {
        free(k->files[i].path);
        close(k->files[i].fd);
    }
    free(k->files);
    if (k->rbuf)
        explicit_bzero(k->rbuf, READ_CHUNK);
    free(k->rbuf);
    free(k->e);
    free(k->bucket);
    free_arena(&k->ks);
    free(k);
}

const uint8_t *mt_keylog_find(const struct mt_keylog *k, const uint8_t random[MT_KEYLOG_RANDOM],
                              enum mt_keylog_label label, size_t *len)
{
    *len = 0;
    if ((unsigned)label >= MT_KEY_LABELS)
        return NULL;
    uint32_t i = lookup(k, random, hash_of(k, random)), prev;
    uint32_t r = i == NONE ? NONE : find_rec(k, i, (int)label, &prev);
    if (r == NONE)
        return NULL;
    *len = rec(&k->ks, r)[1];
    return rec(&k->ks, r) + REC_HEAD;
}

int mt_keylog_knows(const struct mt_keylog *k, const uint8_t random[MT_KEYLOG_RANDOM])
{
    uint32_t i = lookup(k, random, hash_of(k, random));
    return i != NONE && k->e[i].first != NONE;
}

void mt_keylog_get_stats(const struct mt_keylog *k, struct mt_keylog_stats *out)
{
    *out = k->st;
    out->randoms = k->n;
}
