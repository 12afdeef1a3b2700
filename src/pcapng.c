/* pcapng Decryption Secrets Blocks (capture.h): the TLS key log text that a
 * capture carries, found by walking the file's blocks ourselves (libpcap
 * does not hand these blocks out). Every length is checked. */
#include "mailtap/capture.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHB_TYPE 0x0A0D0D0Au
#define DSB_TYPE 0x0000000Au
#define BYTE_ORDER_MAGIC 0x1A2B3C4Du
#define TLS_KEY_LOG 0x544C534Bu /* "TLSK" */
#define BLOCK_MAX ((uint64_t)64 << 20)
#define WINDOW 65536

/* A window on the file: blocks are read through it, so a capture of small
 * packets costs one read per 64 KiB. */
struct reader {
    int fd;
    uint64_t size;
    uint64_t at; /* file offset of buf[0] */
    size_t len;  /* bytes in buf */
    int ioerr;   /* an errno once a read failed */
    uint8_t buf[WINDOW];
};

static int read_at(struct reader *r, uint8_t *out, size_t n, uint64_t off, size_t *got)
{
    *got = 0;
    while (*got < n) {
        ssize_t k = pread(r->fd, out + *got, n - *got, (off_t)(off + *got));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            r->ioerr = errno;
            return -1;
        }
        if (k == 0)
            break;
        *got += (size_t)k;
    }
    return 0;
}

/* n (at most WINDOW) bytes at off, or NULL: past the end of the file, or
 * a read error (r->ioerr). */
static const uint8_t *get(struct reader *r, uint64_t off, size_t n)
{
    if (off > r->size || n > r->size - off)
        return NULL;
    if (off >= r->at && off - r->at + n <= r->len)
        return r->buf + (off - r->at);
    uint64_t want = r->size - off < WINDOW ? r->size - off : WINDOW;
    size_t got;
    r->at = off;
    r->len = 0;
    if (read_at(r, r->buf, (size_t)want, off, &got) != 0)
        return NULL;
    r->len = got;
    return got >= n ? r->buf : NULL;
}

static uint32_t u32(const uint8_t *p, int big)
{
    return big ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
               : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

struct scan {
    struct reader *r;
    const char *path;
    mt_secrets_fn fn;
    void *ctx;
    char *err;
    size_t errlen;
    int big;        /* the current section's byte order */
    unsigned found;
};

/* Ends the scan at the block at pos: the reason goes to err. */
static int broken(struct scan *s, uint64_t pos, const char *why)
{
    if (s->r->ioerr)
        return -1;
    snprintf(s->err, s->errlen, "%s: pcapng block at byte %llu %s; no secrets read after it",
             s->path, (unsigned long long)pos, why);
    return 0;
}

/* A Section Header Block at pos: its byte order. 1 if it is one, 0 if not
 * (the scan ends). */
static int section(struct scan *s, uint64_t pos)
{
    const uint8_t *h = get(s->r, pos, 16);
    if (!h)
        return broken(s, pos, "is cut short");
    if (u32(h + 8, 0) == BYTE_ORDER_MAGIC)
        s->big = 0;
    else if (u32(h + 8, 1) == BYTE_ORDER_MAGIC)
        s->big = 1;
    else
        return broken(s, pos, "starts a section of unknown byte order");
    unsigned major = s->big ? (unsigned)h[12] << 8 | h[13] : (unsigned)h[13] << 8 | h[12];
    if (major != 1)
        return broken(s, pos, "starts a section of an unknown pcapng version");
    return 1;
}

/* A Decryption Secrets Block at pos, of len bytes (checked): its key log
 * text to fn. 1 to go on, 0 or -1 to end the scan. */
static int secrets_block(struct scan *s, uint64_t pos, uint32_t len)
{
    const uint8_t *h = len >= 20 ? get(s->r, pos + 8, 8) : NULL;
    if (!h)
        return broken(s, pos, "is a secrets block too short for its header");
    uint32_t type = u32(h, s->big), n = u32(h + 4, s->big);
    if (n > len - 20)
        return broken(s, pos, "holds more secrets than its length");
    if (type != TLS_KEY_LOG)
        return 1;
    uint8_t *text = malloc(n ? n : 1);
    size_t got = 0;
    if (!text || read_at(s->r, text, n, pos + 16, &got) != 0 || got != n) {
        free(text);
        if (!text)
            snprintf(s->err, s->errlen, "%s: %s", s->path, strerror(ENOMEM));
        return text ? broken(s, pos, "is cut short") : -1;
    }
    s->fn(s->ctx, text, n, ++s->found);
    free(text);
    return 1;
}

/* The block at pos: its length checked, and what it is. The length of
 * the block to step over, or 0 when the scan ends (-1: a read error). */
static int64_t block(struct scan *s, uint64_t pos)
{
    const uint8_t *h = get(s->r, pos, 8);
    if (!h)
        return broken(s, pos, "is cut short");
    int shb = memcmp(h, "\x0a\x0d\x0d\x0a", 4) == 0;
    if (shb) {
        int k = section(s, pos);
        if (k <= 0)
            return k;
        h = get(s->r, pos, 8);
    }
    uint32_t type = u32(h, s->big), len = u32(h + 4, s->big);
    if (len < (shb ? 28u : 12u) || len % 4 != 0)
        return broken(s, pos, "has an impossible length");
    if (len > BLOCK_MAX)
        return broken(s, pos, "is over 64 MiB");
    if (len > s->r->size - pos)
        return broken(s, pos, "runs past the end of the file");
    const uint8_t *t = get(s->r, pos + len - 4, 4);
    if (!t || u32(t, s->big) != len)
        return broken(s, pos, "does not end with its length");
    if (type == DSB_TYPE) {
        int k = secrets_block(s, pos, len);
        if (k <= 0)
            return k;
    }
    return len;
}

static int scan_file(struct scan *s)
{
    uint8_t magic[4];
    size_t got;
    if (read_at(s->r, magic, 4, 0, &got) != 0)
        return -1;
    if (got < 4 || memcmp(magic, "\x0a\x0d\x0d\x0a", 4) != 0)
        return 0; /* a classic pcap, or not a capture at all */
    uint64_t pos = 0;
    while (pos < s->r->size && s->found < INT_MAX) {
        int64_t len = block(s, pos);
        if (len <= 0)
            return (int)len;
        pos += (uint64_t)len;
    }
    return 0;
}

int mt_capture_file_secrets(const char *path, mt_secrets_fn fn, void *ctx, char *err,
                            size_t errlen)
{
    if (errlen > 0)
        err[0] = '\0';
    if (strcmp(path, "-") == 0)
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        if (!S_ISDIR(st.st_mode))
            return 0; /* a pipe: reading it here would take it from the capture */
        snprintf(err, errlen, "%s: %s", path, strerror(EISDIR));
        return -1;
    }
    struct reader *r = malloc(sizeof *r);
    if (!r) {
        close(fd);
        snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
        return -1;
    }
    memset(r, 0, offsetof(struct reader, buf));
    r->fd = fd;
    r->size = (uint64_t)st.st_size;
    struct scan s = {r, path, fn, ctx, err, errlen, 0, 0};
    int k = scan_file(&s);
    if (k < 0 && r->ioerr)
        snprintf(err, errlen, "%s: %s", path, strerror(r->ioerr));
    close(fd);
    free(r);
    return k < 0 ? -1 : (int)s.found;
}
