/* pcapng Decryption Secrets Blocks (mt_capture_file_secrets): files made
 * here block by block, in either byte order and several sections, with
 * blocks to step over, broken ones, and a classic pcap. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailtap/capture.h"
#include "mailtap/keylog.h"
#include "suites.h"

/* --- a pcapng file written in memory ---------------------------------------------------- */

struct file {
    uint8_t b[16384];
    size_t n;
    int big; /* byte order of the section being written */
};

static void u32(struct file *f, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        f->b[f->n++] = (uint8_t)(f->big ? v >> (24 - 8 * i) : v >> (8 * i));
}

static void u16(struct file *f, uint16_t v)
{
    f->b[f->n++] = (uint8_t)(f->big ? v >> 8 : v);
    f->b[f->n++] = (uint8_t)(f->big ? v : v >> 8);
}

static void raw(struct file *f, const void *p, size_t n)
{
    memcpy(f->b + f->n, p, n);
    f->n += n;
    while (f->n % 4)
        f->b[f->n++] = 0;
}

/* A block of this type around body (padded); its start offset. */
static size_t block(struct file *f, uint32_t type, const void *body, size_t n)
{
    size_t at = f->n;
    uint32_t len = (uint32_t)(12 + (n + 3) / 4 * 4);
    u32(f, type);
    u32(f, len);
    raw(f, body, n);
    u32(f, len);
    return at;
}

static void section(struct file *f, int big)
{
    f->big = big;
    u32(f, 0x0A0D0D0A);
    u32(f, 28);
    u32(f, 0x1A2B3C4D);
    u16(f, 1);
    u16(f, 0);
    u32(f, 0xffffffff); /* section length: not given */
    u32(f, 0xffffffff);
    u32(f, 28);
    static const uint8_t idb[8] = {1, 0, 0, 0, 0, 0, 4, 0}; /* Ethernet (little-endian) */
    block(f, 1, idb, sizeof idb);
}

/* A Decryption Secrets Block of this secrets type; its start offset. */
static size_t secrets(struct file *f, uint32_t type, const char *text)
{
    size_t n = strlen(text), at = f->n;
    uint32_t len = (uint32_t)(20 + (n + 3) / 4 * 4);
    u32(f, 0x0000000A);
    u32(f, len);
    u32(f, type);
    u32(f, (uint32_t)n);
    raw(f, text, n);
    u32(f, len);
    return at;
}

static void packet(struct file *f)
{
    uint8_t epb[20 + 60] = {0};
    epb[12] = 60; /* captured length, little-endian; its value is not read */
    block(f, 6, epb, sizeof epb);
}

/* --- what the reader hands out ---------------------------------------------------------------- */

struct seen {
    int n;
    unsigned index[8];
    char text[8][256];
};

static void on_secrets(void *ctx, const uint8_t *p, size_t n, unsigned index)
{
    struct seen *s = ctx;
    if (s->n < 8) {
        s->index[s->n] = index;
        snprintf(s->text[s->n], sizeof s->text[0], "%.*s", (int)n, (const char *)p);
    }
    s->n++;
}

static char dir[64];

static const char *write_file(const struct file *f, const char *name)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *o = fopen(path, "wb");
    CU_ASSERT_FATAL(o != NULL);
    CU_ASSERT(fwrite(f->b, 1, f->n, o) == f->n);
    fclose(o);
    return path;
}

static int scan(const struct file *f, struct seen *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    return mt_capture_file_secrets(write_file(f, "t.pcapng"), on_secrets, s, err, errlen);
}

#define TLSK 0x544c534b

/* --- tests ------------------------------------------------------------------------------------ */

static void test_both_byte_orders(void)
{
    for (int big = 0; big < 2; big++) {
        static struct file f;
        memset(&f, 0, sizeof f);
        section(&f, big);
        secrets(&f, TLSK, "first block\n");
        packet(&f);
        secrets(&f, 0x57474b4c, "a WireGuard key log: not ours\n");
        secrets(&f, TLSK, "second, 3 bytes of padding");
        packet(&f);
        struct seen s;
        char err[256] = "x";
        CU_ASSERT_EQUAL(scan(&f, &s, err, sizeof err), 2);
        CU_ASSERT_EQUAL(s.n, 2);
        CU_ASSERT_STRING_EQUAL(s.text[0], "first block\n");
        CU_ASSERT_STRING_EQUAL(s.text[1], "second, 3 bytes of padding");
        CU_ASSERT_EQUAL(s.index[0], 1);
        CU_ASSERT_EQUAL(s.index[1], 2);
        CU_ASSERT_STRING_EQUAL(err, "");
    }
}

static void test_sections(void)
{
    static struct file f;
    memset(&f, 0, sizeof f);
    section(&f, 0);
    secrets(&f, TLSK, "one");
    section(&f, 1);
    packet(&f);
    secrets(&f, TLSK, "two");
    section(&f, 0);
    secrets(&f, TLSK, "three");
    struct seen s;
    char err[256];
    CU_ASSERT_EQUAL(scan(&f, &s, err, sizeof err), 3);
    CU_ASSERT_STRING_EQUAL(s.text[0], "one");
    CU_ASSERT_STRING_EQUAL(s.text[1], "two");
    CU_ASSERT_STRING_EQUAL(s.text[2], "three");
    CU_ASSERT_EQUAL(s.index[2], 3);
    CU_ASSERT_STRING_EQUAL(err, "");
}

/* Writes v at offset at, in the byte order of the section. */
static void set32(struct file *f, size_t at, uint32_t v)
{
    size_t n = f->n;
    f->n = at;
    u32(f, v);
    f->n = n;
}

/* Each way of breaking the block after the first secrets: those are
 * kept, the scan ends there, and err says where. */
static void test_broken_blocks(void)
{
    enum { LEN_NOT_4, LEN_SMALL, PAST_END, TRAILER, SECRETS_LONG, HUGE, BOM, CUT, KINDS };
    static const char *why[KINDS] = {"has an impossible length",
                                     "has an impossible length",
                                     "runs past the end of the file",
                                     "does not end with its length",
                                     "holds more secrets than its length",
                                     "is over 64 MiB",
                                     "starts a section of unknown byte order",
                                     "is cut short"};
    for (int kind = 0; kind < KINDS; kind++) {
        static struct file f;
        memset(&f, 0, sizeof f);
        section(&f, kind % 2);
        secrets(&f, TLSK, "kept");
        size_t at = f.n; /* a block of 24 bytes, or a section */
        if (kind == BOM)
            section(&f, kind % 2);
        else
            secrets(&f, TLSK, "lost");
        secrets(&f, TLSK, "after");
        switch (kind) {
        case LEN_NOT_4: set32(&f, at + 4, 30); break;
        case LEN_SMALL: set32(&f, at + 4, 8); break;
        case PAST_END: set32(&f, at + 4, 4096); break;
        case TRAILER: set32(&f, at + 20, 28); break;
        case SECRETS_LONG: set32(&f, at + 12, 9); break;
        case HUGE: set32(&f, at + 4, (64u << 20) + 4); break;
        case BOM: f.b[at + 8] ^= 1; break;
        case CUT: f.n = at + 6; break;
        }
        struct seen s;
        char err[256], want[256];
        CU_ASSERT_EQUAL(scan(&f, &s, err, sizeof err), 1);
        CU_ASSERT_EQUAL(s.n, 1);
        CU_ASSERT_STRING_EQUAL(s.text[0], "kept");
        snprintf(want, sizeof want,
                 "%s/t.pcapng: pcapng block at byte %zu %s; no secrets read after it", dir, at,
                 why[kind]);
        CU_ASSERT_STRING_EQUAL(err, want);
    }
}

/* Not pcapng: nothing, and no error. */
static void test_not_pcapng(void)
{
    static struct file f;
    memset(&f, 0, sizeof f);
    static const uint8_t pcap[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
                                     0,    0,    0,    0,    0, 0, 4, 0, 1, 0, 0, 0};
    raw(&f, pcap, sizeof pcap);
    struct seen s;
    char err[256];
    CU_ASSERT_EQUAL(scan(&f, &s, err, sizeof err), 0);
    CU_ASSERT_EQUAL(s.n, 0);
    CU_ASSERT_STRING_EQUAL(err, "");
    f.n = 0;
    CU_ASSERT_EQUAL(scan(&f, &s, err, sizeof err), 0);
    CU_ASSERT_EQUAL(mt_capture_file_secrets("-", on_secrets, &s, err, sizeof err), 0);
    CU_ASSERT_STRING_EQUAL(err, "");
    char path[128], want[256];
    snprintf(path, sizeof path, "%s/none.pcapng", dir);
    CU_ASSERT_EQUAL(mt_capture_file_secrets(path, on_secrets, &s, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: %s", path, strerror(ENOENT));
    CU_ASSERT_STRING_EQUAL(err, want);
    CU_ASSERT_EQUAL(mt_capture_file_secrets(dir, on_secrets, &s, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: %s", dir, strerror(EISDIR));
    CU_ASSERT_STRING_EQUAL(err, want);
    CU_ASSERT_EQUAL(s.n, 0);
}

/* What a secrets block carries goes into a key log as it is. */
static void to_keylog(void *ctx, const uint8_t *p, size_t n, unsigned index)
{
    char source[64];
    snprintf(source, sizeof source, "t.pcapng, secrets block %u", index);
    mt_keylog_add_text(ctx, p, n, source);
}

static void test_into_keylog(void)
{
    static struct file f;
    memset(&f, 0, sizeof f);
    section(&f, 1);
    char text[512] = "# from a client\r\nCLIENT_RANDOM ", *e = text + strlen(text);
    for (int i = 0; i < 32; i++)
        e += sprintf(e, "%02X", i);
    *e++ = ' ';
    for (int i = 0; i < 48; i++)
        e += sprintf(e, "%02x", 0xa0 + i % 16);
    strcpy(e, "\r\n");
    secrets(&f, TLSK, text);
    struct mt_keylog *k = mt_keylog_new(0, NULL, NULL);
    char err[256];
    CU_ASSERT_EQUAL(mt_capture_file_secrets(write_file(&f, "k.pcapng"), to_keylog, k, err,
                                            sizeof err), 1);
    uint8_t random[32];
    for (int i = 0; i < 32; i++)
        random[i] = (uint8_t)i;
    size_t len;
    const uint8_t *p = mt_keylog_find(k, random, MT_KEY_MASTER, &len);
    CU_ASSERT_FATAL(p != NULL);
    CU_ASSERT_EQUAL(len, 48);
    CU_ASSERT_EQUAL(p[47], 0xaf);
    struct mt_keylog_stats st;
    mt_keylog_get_stats(k, &st);
    CU_ASSERT_EQUAL(st.skipped, 1);
    mt_keylog_free(k);
}

static int make_dir(void)
{
    const char *t = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/mailtap-pcapng-XXXXXX", t && *t && strlen(t) < 30 ? t : "/tmp");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void)
{
    char path[128];
    static const char *names[] = {"t.pcapng", "k.pcapng"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    return rmdir(dir);
}

int register_pcapng_suite(void)
{
    CU_pSuite s = CU_add_suite("pcapng secrets", make_dir, remove_dir);
    if (!s)
        return -1;
    if (!CU_add_test(s, "both byte orders", test_both_byte_orders) ||
        !CU_add_test(s, "several sections", test_sections) ||
        !CU_add_test(s, "broken blocks", test_broken_blocks) ||
        !CU_add_test(s, "not pcapng", test_not_pcapng) ||
        !CU_add_test(s, "into a key log", test_into_keylog))
        return -1;
    return 0;
}
