/* The transcript spool (spool.h): records appended to an unlinked temporary
 * file behind a write buffer, up to a size limit, read back by session and
 * line. It keeps captured bytes as they are: whoever shows them renders them. */
#include "mailtap/spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WBUF (256 * 1024)

struct mt_spool {
    int fd;
    uint64_t flushed;  /* bytes in the file */
    uint8_t *wbuf;     /* what follows them, not yet written */
    size_t wlen;
    uint64_t max;
    struct mt_spool_stats st;
    int failed;
};

struct mt_spool *mt_spool_create(const char *dir, uint64_t max, char *err, size_t errlen)
{
    if (!dir || !*dir) {
        dir = getenv("TMPDIR");
        if (!dir || !*dir)
            dir = "/tmp";
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/mailtap-spool.XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create a temporary file: %s", dir, strerror(errno));
        return NULL;
    }
    unlink(path); /* gone when we are, however we end */
    struct mt_spool *sp = calloc(1, sizeof *sp);
    if (sp)
        sp->wbuf = malloc(WBUF);
    if (!sp || !sp->wbuf) {
        if (sp)
            free(sp->wbuf);
        free(sp);
        close(fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sp->fd = fd;
    sp->max = max;
    return sp;
}

void mt_spool_destroy(struct mt_spool *sp)
{
    if (!sp)
        return;
    close(sp->fd);
    free(sp->wbuf);
    free(sp);
}

static int flush(struct mt_spool *sp)
{
    size_t done = 0;
    while (done < sp->wlen) {
        ssize_t k = pwrite(sp->fd, sp->wbuf + done, sp->wlen - done, (off_t)(sp->flushed + done));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            sp->failed = 1; /* disk full: keep what is there, store no more */
            sp->wlen = 0;
            return -1;
        }
        done += (size_t)k;
    }
    sp->flushed += sp->wlen;
    sp->wlen = 0;
    return 0;
}

static int put(struct mt_spool *sp, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        if (sp->wlen == WBUF && flush(sp) != 0)
            return -1;
        size_t k = WBUF - sp->wlen < n ? WBUF - sp->wlen : n;
        memcpy(sp->wbuf + sp->wlen, b, k);
        sp->wlen += k;
        b += k;
        n -= k;
    }
    return 0;
}

/* Overwrites n bytes at offset off (in the file, the write buffer, or
 * across both). */
static int patch(struct mt_spool *sp, uint64_t off, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        if (off >= sp->flushed) {
            uint64_t in = off - sp->flushed;
            if (in + n > sp->wlen)
                return -1;
            memcpy(sp->wbuf + in, b, n);
            return 0;
        }
        size_t k = sp->flushed - off < n ? (size_t)(sp->flushed - off) : n;
        ssize_t w = pwrite(sp->fd, b, k, (off_t)off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        b += w;
        off += (uint64_t)w;
        n -= (size_t)w;
    }
    return 0;
}

int mt_spool_append(struct mt_spool *sp, struct mt_spool_index *ix, const struct mt_rec *r,
                    const uint8_t *text)
{
    uint64_t at = sp->flushed + sp->wlen;
    if (sp->failed || at + sizeof *r + r->len > sp->max) {
        sp->st.dropped++;
        return -1;
    }
    if (ix->count % MT_SPOOL_STRIDE == 0) {
        if (ix->noffsets == ix->cap) {
            size_t cap = ix->cap ? ix->cap * 2 : 4;
            uint64_t *n = realloc(ix->offsets, cap * sizeof *n);
            if (!n) {
                sp->st.dropped++;
                return -1;
            }
            ix->offsets = n;
            ix->cap = cap;
        }
        ix->offsets[ix->noffsets++] = at;
    }
    struct mt_rec h = *r;
    h.next = 0;
    if (put(sp, &h, sizeof h) != 0 || put(sp, text, r->len) != 0) {
        sp->st.dropped++;
        return -1;
    }
    /* Link the session's previous record to this one. */
    uint64_t link = at + 1;
    if (ix->last &&
        patch(sp, ix->last - 1 + offsetof(struct mt_rec, next), &link, sizeof link) != 0) {
        sp->failed = 1;
        sp->st.dropped++;
        return -1;
    }
    ix->last = link;
    ix->count++;
    sp->st.bytes += sizeof *r + r->len;
    return 0;
}

/* Reads n bytes at offset off of the spool (file, then write buffer). */
static int get(struct mt_spool *sp, uint64_t off, void *p, size_t n)
{
    uint8_t *b = p;
    while (n > 0) {
        if (off >= sp->flushed) {
            uint64_t in = off - sp->flushed;
            if (in + n > sp->wlen)
                return -1;
            memcpy(b, sp->wbuf + in, n);
            return 0;
        }
        size_t k = sp->flushed - off < n ? (size_t)(sp->flushed - off) : n;
        ssize_t got = pread(sp->fd, b, k, (off_t)off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        b += got;
        off += (uint64_t)got;
        n -= (size_t)got;
    }
    return 0;
}

long mt_spool_read(struct mt_spool *sp, const struct mt_spool_index *ix, uint64_t i,
                   struct mt_rec *r, uint8_t *text, size_t cap)
{
    if (i >= ix->count || i / MT_SPOOL_STRIDE >= ix->noffsets)
        return -1;
    uint64_t off = ix->offsets[i / MT_SPOOL_STRIDE];
    for (uint64_t k = i - i % MT_SPOOL_STRIDE; k < i; k++) {
        if (get(sp, off, r, sizeof *r) != 0 || r->next == 0)
            return -1;
        off = r->next - 1;
    }
    if (get(sp, off, r, sizeof *r) != 0)
        return -1;
    size_t n = r->len < cap ? r->len : cap;
    if (n && get(sp, off + sizeof *r, text, n) != 0)
        return -1;
    r->label[MT_SPOOL_LABEL - 1] = '\0';
    if (r->nspans > MT_SPOOL_SPANS)
        r->nspans = MT_SPOOL_SPANS;
    return (long)n;
}

void mt_spool_index_free(struct mt_spool_index *ix)
{
    free(ix->offsets);
    memset(ix, 0, sizeof *ix);
}

void mt_spool_get_stats(const struct mt_spool *sp, struct mt_spool_stats *st) { *st = sp->st; }
