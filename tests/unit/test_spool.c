/* The transcript spool of the terminal interface: what goes in comes back,
 * from the file or from the write buffer, for sessions written interleaved;
 * its size limit holds and what it refuses is counted. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailtap/spool.h"
#include "suites.h"

/* Text of record i of session s: length and bytes derived from both. */
static size_t text_of(int s, uint64_t i, uint8_t *out)
{
    size_t len = (size_t)((i * 7919 + (uint64_t)s * 104729) % 3000);
    if (i % 97 == 0)
        len = 70000; /* some long ones, past the write buffer's quarter */
    for (size_t k = 0; k < len; k++)
        out[k] = (uint8_t)(k * 31 + i * 7 + (uint64_t)s);
    return len;
}

static void test_roundtrip(void)
{
    char err[256];
    struct mt_spool *sp = mt_spool_create(NULL, 1ull << 32, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sp);
    enum { SESSIONS = 3, RECORDS = 700 };
    struct mt_spool_index ix[SESSIONS];
    memset(ix, 0, sizeof ix);
    uint8_t *text = malloc(70000), *back = malloc(70000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(back);
    for (uint64_t i = 0; i < RECORDS; i++) {
        for (int s = 0; s < SESSIONS; s++) {
            struct mt_rec r;
            memset(&r, 0, sizeof r);
            r.len = (uint32_t)text_of(s, i, text);
            r.type = (uint8_t)(i % 3);
            r.dir = (uint8_t)(i % 2);
            r.seq = i * 10 + (uint64_t)s;
            snprintf(r.label, sizeof r.label, "L%llu", (unsigned long long)i);
            CU_ASSERT_EQUAL(mt_spool_append(sp, &ix[s], &r, text), 0);
            /* Readable at once, while still in the write buffer. */
            struct mt_rec got;
            long n = mt_spool_read(sp, &ix[s], i, &got, back, 70000);
            CU_ASSERT_EQUAL(n, (long)r.len);
            CU_ASSERT_EQUAL(got.seq, r.seq);
        }
    }
    size_t bad = 0;
    for (int s = 0; s < SESSIONS; s++) {
        CU_ASSERT_EQUAL(ix[s].count, RECORDS);
        /* Sparse index: one offset per stride. */
        CU_ASSERT_EQUAL(ix[s].noffsets, (RECORDS + MT_SPOOL_STRIDE - 1) / MT_SPOOL_STRIDE);
        for (uint64_t i = 0; i < RECORDS; i++) {
            struct mt_rec got;
            size_t len = text_of(s, i, text);
            long n = mt_spool_read(sp, &ix[s], i, &got, back, 70000);
            char label[16];
            snprintf(label, sizeof label, "L%llu", (unsigned long long)i);
            if (n != (long)len || got.len != len || memcmp(back, text, len) != 0 ||
                got.seq != i * 10 + (uint64_t)s || got.dir != i % 2 || strcmp(got.label, label))
                bad++;
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    /* A short buffer gets the start of the text; the header says how long. */
    struct mt_rec got;
    size_t len = text_of(1, 97, text);
    CU_ASSERT_EQUAL(mt_spool_read(sp, &ix[1], 97, &got, back, 10), 10);
    CU_ASSERT_EQUAL(got.len, len);
    CU_ASSERT(memcmp(back, text, 10) == 0);
    /* Past the end: nothing. */
    CU_ASSERT_EQUAL(mt_spool_read(sp, &ix[0], RECORDS, &got, back, 10), -1);
    struct mt_spool_stats st;
    mt_spool_get_stats(sp, &st);
    CU_ASSERT(st.bytes > 1000000); /* more than the write buffer: the file was used */
    CU_ASSERT_EQUAL(st.dropped, 0);
    for (int s = 0; s < SESSIONS; s++)
        mt_spool_index_free(&ix[s]);
    mt_spool_destroy(sp);
    free(text);
    free(back);
}

static void test_limit(void)
{
    char err[256];
    struct mt_spool *sp = mt_spool_create(NULL, 10000, err, sizeof err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sp);
    struct mt_spool_index ix;
    memset(&ix, 0, sizeof ix);
    uint8_t text[1000];
    memset(text, 'x', sizeof text);
    int kept = 0, refused = 0;
    for (int i = 0; i < 30; i++) {
        struct mt_rec r;
        memset(&r, 0, sizeof r);
        r.len = sizeof text;
        r.seq = (uint64_t)i;
        if (mt_spool_append(sp, &ix, &r, text) == 0)
            kept++;
        else
            refused++;
    }
    struct mt_spool_stats st;
    mt_spool_get_stats(sp, &st);
    CU_ASSERT(kept > 0 && kept < 10);
    CU_ASSERT_EQUAL(st.dropped, (uint64_t)refused);
    CU_ASSERT(st.bytes <= 10000);
    CU_ASSERT_EQUAL(ix.count, (uint64_t)kept);
    struct mt_rec got;
    CU_ASSERT_EQUAL(mt_spool_read(sp, &ix, (uint64_t)kept - 1, &got, text, sizeof text),
                    (long)sizeof text);
    CU_ASSERT_EQUAL(got.seq, (uint64_t)kept - 1);
    mt_spool_index_free(&ix);
    mt_spool_destroy(sp);
}

static void test_bad_directory(void)
{
    char err[256] = "";
    struct mt_spool *sp = mt_spool_create("/nonexistent/dir", 1000, err, sizeof err);
    CU_ASSERT_PTR_NULL(sp);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/dir: cannot create a temporary file"));
}

int register_spool_suite(void)
{
    CU_pSuite s = CU_add_suite("spool", NULL, NULL);
    if (!s)
        return -1;
    return !CU_add_test(s, "round trip, interleaved sessions", test_roundtrip) ||
           !CU_add_test(s, "size limit", test_limit) ||
           !CU_add_test(s, "unusable directory", test_bad_directory);
}
