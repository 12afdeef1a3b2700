/* libFuzzer target: the key log reader (keylog.h) over hostile text, as
 * secrets blocks and as a file read in pieces, then looked up.
 *
 * Input: a flags byte, then text; 0xff bytes cut it into separate pieces.
 * The table is small, so that it fills and is replaced into often. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mailtap/keylog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned warnings;

/* Every warning is one line, safe to print. */
static void check_warning(void *ctx, const char *text)
{
    (void)ctx;
    size_t n = strlen(text);
    if (n == 0 || n > 1024 || ++warnings > 51)
        __builtin_trap();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
            __builtin_trap();
}

static int hex_digit(uint8_t c)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

static uint8_t hex_byte(const uint8_t *p)
{
    unsigned v = 0;
    for (int i = 0; i < 2; i++) {
        uint8_t c = p[i];
        v = v << 4 | (c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10));
    }
    return (uint8_t)v;
}

/* What is found for a random agrees with itself: lengths in range, every
 * byte readable, knows() exactly when some label is found. */
static void check_random(const struct mt_keylog *k, const uint8_t random[MT_KEYLOG_RANDOM])
{
    int any = 0;
    for (int l = 0; l < MT_KEY_LABELS; l++) {
        size_t len = 1234;
        const uint8_t *p = mt_keylog_find(k, random, (enum mt_keylog_label)l, &len);
        if (!p) {
            if (len != 0)
                __builtin_trap();
            continue;
        }
        if (len == 0 || len > MT_KEYLOG_SECRET_MAX || (l == MT_KEY_MASTER && len != 48))
            __builtin_trap();
        uint8_t copy[MT_KEYLOG_SECRET_MAX];
        memcpy(copy, p, len); /* every byte readable (ASan) */
        any = 1;
    }
    if (any != mt_keylog_knows(k, random))
        __builtin_trap();
}

/* Looks up every run of 64 hex digits in the input as a client random. */
static void check_lookups(const struct mt_keylog *k, const uint8_t *p, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        run = hex_digit(p[i]) ? run + 1 : 0;
        if (run >= 64) {
            uint8_t random[MT_KEYLOG_RANDOM];
            for (int j = 0; j < MT_KEYLOG_RANDOM; j++)
                random[j] = hex_byte(p + i + 1 - 64 + 2 * j);
            check_random(k, random);
        }
    }
}

/* The text as a file: written in pieces, read at each, sometimes cut
 * short and written again. */
static void as_file(struct mt_keylog *k, const uint8_t *p, size_t n, uint8_t flags)
{
    int fd = memfd_create("keylog", 0);
    if (fd < 0)
        return;
    char path[64], err[256];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    size_t first = n / 3, second = n - n / 3;
    if (write(fd, p, first) == (ssize_t)first && mt_keylog_add_file(k, path, err, sizeof err) == 0) {
        if (write(fd, p + first, second - first) == (ssize_t)(second - first))
            mt_keylog_refresh(k);
        if (flags & 0x20 && ftruncate(fd, (off_t)(first / 2)) == 0)
            mt_keylog_refresh(k);
        if (pwrite(fd, p + second, n - second, (off_t)(flags & 0x20 ? first / 2 : second)) >= 0)
            mt_keylog_refresh(k);
        mt_keylog_refresh(k);
    }
    close(fd);
}

/* A line made of input bytes, added last: it must be found as it is,
 * unless the table is full and its random new. */
static void known_line(struct mt_keylog *k, const uint8_t *data, size_t size)
{
    uint8_t random[MT_KEYLOG_RANDOM] = {0}, secret[48] = {0};
    for (size_t i = 0; i < size; i++) {
        random[i % sizeof random] ^= data[i];
        secret[i % sizeof secret] += data[i];
    }
    char line[256];
    int at = sprintf(line, "SERVER_TRAFFIC_SECRET_0 ");
    for (size_t i = 0; i < sizeof random; i++)
        at += sprintf(line + at, "%02x", random[i]);
    line[at++] = ' ';
    for (size_t i = 0; i < sizeof secret; i++)
        at += sprintf(line + at, "%02X", secret[i]);
    int was_known = mt_keylog_knows(k, random);
    struct mt_keylog_stats before;
    mt_keylog_get_stats(k, &before);
    mt_keylog_add_text(k, (const uint8_t *)line, (size_t)at, "made");
    size_t len;
    const uint8_t *p = mt_keylog_find(k, random, MT_KEY_SERVER_TRAFFIC_0, &len);
    int full = !was_known && before.randoms >= (size_t)(1 + data[0] % 64);
    if (full ? p != NULL : !p || len != 48 || memcmp(p, secret, 48) != 0)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    warnings = 0;
    uint8_t flags = data[0];
    struct mt_keylog *k = mt_keylog_new(1 + flags % 64, check_warning, NULL);
    if (!k)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    if (flags & 0x40) {
        as_file(k, p, n, flags);
    } else {
        for (size_t start = 0, i = 0; i <= n; i++) {
            if (i < n && p[i] != 0xff)
                continue;
            /* Copy so that ASan sees the exact bounds of each piece. */
            uint8_t *piece = malloc(i - start + 1);
            memcpy(piece, p + start, i - start);
            mt_keylog_add_text(k, piece, i - start, "fuzz, secrets block 1");
            free(piece);
            start = i + 1;
        }
    }
    struct mt_keylog_stats st;
    mt_keylog_get_stats(k, &st);
    if (st.lines != st.secrets + st.skipped + st.malformed + st.dropped ||
        st.randoms > (size_t)(1 + flags % 64))
        __builtin_trap();
    check_lookups(k, p, n);
    if (flags & 0x80)
        known_line(k, data, size);
    mt_keylog_free(k);
    return 0;
}
