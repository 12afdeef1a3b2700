/* Key log files (keylog.h): read at once, then again as a client appends
 * to them (a last line completed later), cut short or replaced; lines too
 * long for the buffer; files that cannot be read. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailtap/keylog.h"
#include "suites.h"

struct warns {
    int n;
    char last[512];
};

static void collect(void *ctx, const char *text)
{
    struct warns *w = ctx;
    snprintf(w->last, sizeof w->last, "%s", text);
    w->n++;
}

/* "LABEL random secret" of random r, secret s of len bytes (r and s fill
 * every byte), without a line end. */
static char *line(char *buf, const char *label, uint8_t r, uint8_t s, size_t len)
{
    int k = sprintf(buf, "%s ", label);
    for (int i = 0; i < MT_KEYLOG_RANDOM; i++)
        k += sprintf(buf + k, "%02x", r);
    buf[k++] = ' ';
    for (size_t i = 0; i < len; i++)
        k += sprintf(buf + k, "%02x", s);
    return buf;
}

static size_t found(const struct mt_keylog *k, uint8_t r, enum mt_keylog_label label, uint8_t *first)
{
    uint8_t rb[MT_KEYLOG_RANDOM];
    memset(rb, r, sizeof rb);
    size_t len;
    const uint8_t *p = mt_keylog_find(k, rb, label, &len);
    if (first)
        *first = p ? p[0] : 0;
    return p ? len : 0;
}

static struct mt_keylog_stats stats(const struct mt_keylog *k)
{
    struct mt_keylog_stats st;
    mt_keylog_get_stats(k, &st);
    return st;
}

/* A temporary file in $TMPDIR (or /tmp); its name in path. */
static int temp_file(char *path, size_t cap)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, cap, "%s/mailtap-keylog-XXXXXX", dir && *dir ? dir : "/tmp");
    return mkstemp(path);
}

static void put(int fd, const char *text)
{
    size_t n = strlen(text);
    CU_ASSERT_FATAL(write(fd, text, n) == (ssize_t)n);
}

/* Read at once; then what was appended, a last line only once it is
 * whole; a file cut short is read again from the start. */
static void test_growing_file(void)
{
    char path[256], buf[512], err[256];
    int fd = temp_file(path, sizeof path);
    CU_ASSERT_FATAL(fd >= 0);
    put(fd, strcat(line(buf, "CLIENT_RANDOM", 1, 1, 48), "\n"));
    put(fd, strcat(line(buf, "CLIENT_HANDSHAKE_TRAFFIC_SECRET", 2, 2, 32), "\r\n"));
    struct warns w = {0};
    struct mt_keylog *k = mt_keylog_new(0, collect, &w);
    CU_ASSERT_FATAL(mt_keylog_add_file(k, path, err, sizeof err) == 0);
    CU_ASSERT_EQUAL(found(k, 1, MT_KEY_MASTER, NULL), 48);
    CU_ASSERT_EQUAL(found(k, 2, MT_KEY_CLIENT_HANDSHAKE, NULL), 32);
    CU_ASSERT_EQUAL(mt_keylog_refresh(k), 0); /* nothing new: not read */
    CU_ASSERT_EQUAL(stats(k).rereads, 0);
    /* A client appends a line and half of the next. */
    put(fd, strcat(line(buf, "SERVER_HANDSHAKE_TRAFFIC_SECRET", 2, 3, 32), "\n"));
    line(buf, "CLIENT_TRAFFIC_SECRET_0", 2, 4, 32);
    size_t half = strlen(buf) - 10;
    CU_ASSERT_FATAL(write(fd, buf, half) == (ssize_t)half);
    CU_ASSERT_EQUAL(mt_keylog_refresh(k), 1);
    CU_ASSERT_EQUAL(found(k, 2, MT_KEY_SERVER_HANDSHAKE, NULL), 32);
    CU_ASSERT_EQUAL(found(k, 2, MT_KEY_CLIENT_TRAFFIC_0, NULL), 0);
    CU_ASSERT_EQUAL(stats(k).malformed, 0);
    CU_ASSERT_EQUAL(mt_keylog_refresh(k), 0);
    put(fd, buf + half);
    CU_ASSERT_EQUAL(mt_keylog_refresh(k), 0); /* still no line end */
    put(fd, "\n");
    CU_ASSERT_EQUAL(mt_keylog_refresh(k), 1);
    CU_ASSERT_EQUAL(found(k, 2, MT_KEY_CLIENT_TRAFFIC_0, NULL), 32);
    struct mt_keylog_stats st = stats(k);
    CU_ASSERT_EQUAL(st.lines, 4);
    CU_ASSERT_EQUAL(st.secrets, 4);
    CU_ASSERT_EQUAL(st.rereads, 3); /* only when it had grown */
    /* Cut short and written again: read from the start. */
    CU_ASSERT_FATAL(ftruncate(fd, 0) == 0);
    CU_ASSERT_FATAL(lseek(fd, 0, SEEK_SET) == 0);
    put(fd, strcat(line(buf, "SERVER_TRAFFIC_SECRET_0", 3, 5, 48), "\nbad\n"));
    CU_ASSERT_EQUAL(mt_keylog_refresh(k), 1);
    CU_ASSERT_EQUAL(found(k, 3, MT_KEY_SERVER_TRAFFIC_0, NULL), 48);
    CU_ASSERT_EQUAL(w.n, 1);
    char want[512];
    snprintf(want, sizeof want, "%s:2: not a key log line (no label)", path);
    CU_ASSERT_STRING_EQUAL(w.last, want);
    CU_ASSERT_EQUAL(stats(k).lines, 6);
    /* Cut short and written again, longer than it was, between two looks:
     * the bytes before where it was read to are not those read, so it is
     * read from the start, not from there. */
    CU_ASSERT_FATAL(ftruncate(fd, 0) == 0);
    CU_ASSERT_FATAL(lseek(fd, 0, SEEK_SET) == 0);
    for (int i = 0; i < 3; i++)
        put(fd, strcat(line(buf, "CLIENT_RANDOM", (uint8_t)(20 + i), 7, 48), "\n"));
    CU_ASSERT_EQUAL(mt_keylog_refresh(k), 3);
    CU_ASSERT_EQUAL(found(k, 20, MT_KEY_MASTER, NULL), 48);
    close(fd);
    /* Replaced by another file (a rotated log), even a longer one. */
    char other[256];
    int fd2 = temp_file(other, sizeof other);
    CU_ASSERT_FATAL(fd2 >= 0);
    for (int i = 0; i < 3; i++)
        put(fd2, strcat(line(buf, "CLIENT_RANDOM", (uint8_t)(10 + i), 6, 48), "\n"));
    close(fd2);
    CU_ASSERT_FATAL(rename(other, path) == 0);
    CU_ASSERT_EQUAL(mt_keylog_refresh(k), 3);
    CU_ASSERT_EQUAL(found(k, 10, MT_KEY_MASTER, NULL), 48);
    CU_ASSERT_EQUAL(stats(k).rereads, 6);
    unlink(path);
    mt_keylog_free(k);
}

/* At its first read a file's last line is taken without a line end (a
 * file written by hand); read again whole if the file grows, and counted
 * once. */
static void test_last_line_unterminated(void)
{
    char path[256], buf[512], err[256];
    int fd = temp_file(path, sizeof path);
    CU_ASSERT_FATAL(fd >= 0);
    put(fd, strcat(line(buf, "CLIENT_RANDOM", 1, 1, 48), "\n"));
    line(buf, "SERVER_TRAFFIC_SECRET_0", 1, 0xab, 48);
    size_t cut = strlen(buf) - 32; /* a valid secret of 32 bytes so far */
    CU_ASSERT_FATAL(write(fd, buf, cut) == (ssize_t)cut);
    struct warns w = {0};
    struct mt_keylog *k = mt_keylog_new(0, collect, &w);
    CU_ASSERT_FATAL(mt_keylog_add_file(k, path, err, sizeof err) == 0);
    CU_ASSERT_EQUAL(found(k, 1, MT_KEY_SERVER_TRAFFIC_0, NULL), 32);
    struct mt_keylog_stats st = stats(k);
    CU_ASSERT_EQUAL(st.lines, 2);
    CU_ASSERT_EQUAL(st.secrets, 2);
    /* It was being written after all: the whole line replaces it. */
    put(fd, buf + cut);
    put(fd, "\nbad\n");
    CU_ASSERT_EQUAL(mt_keylog_refresh(k), 1);
    uint8_t first;
    CU_ASSERT_EQUAL(found(k, 1, MT_KEY_SERVER_TRAFFIC_0, &first), 48);
    CU_ASSERT_EQUAL(first, 0xab);
    st = stats(k);
    CU_ASSERT_EQUAL(st.lines, 3);
    CU_ASSERT_EQUAL(st.secrets, 2);
    CU_ASSERT_EQUAL(st.malformed, 1);
    char want[512];
    snprintf(want, sizeof want, "%s:3: not a key log line (no label)", path);
    CU_ASSERT_EQUAL(w.n, 1);
    CU_ASSERT_STRING_EQUAL(w.last, want);
    close(fd);
    unlink(path);
    mt_keylog_free(k);
}

/* Lines too long: counted once, warned with their number, skipped to
 * their end even across reads; many lines across the read buffer. */
static void test_long_lines(void)
{
    char path[256], buf[512], err[256], want[600];
    int fd = temp_file(path, sizeof path);
    CU_ASSERT_FATAL(fd >= 0);
    static char big[200000];
    memset(big, 'A', sizeof big - 1);
    put(fd, big);
    put(fd, "\n");
    for (int i = 0; i < 2000; i++) /* 161 bytes each: past the 64 KiB buffer */
        put(fd, strcat(line(buf, "CLIENT_RANDOM", (uint8_t)i, (uint8_t)(i / 256), 48), "\n"));
    put(fd, big + sizeof big - 3000); /* another, unfinished */
    struct warns w = {0};
    struct mt_keylog *k = mt_keylog_new(0, collect, &w);
    CU_ASSERT_FATAL(mt_keylog_add_file(k, path, err, sizeof err) == 0);
    struct mt_keylog_stats st = stats(k);
    CU_ASSERT_EQUAL(st.malformed, 2);
    CU_ASSERT_EQUAL(st.secrets, 2000);
    CU_ASSERT_EQUAL(st.randoms, 256);
    uint8_t first;
    CU_ASSERT_EQUAL(found(k, 200, MT_KEY_MASTER, &first), 48);
    CU_ASSERT_EQUAL(first, 7); /* its last line, i = 1992 */
    CU_ASSERT_EQUAL(w.n, 2);
    snprintf(want, sizeof want, "%s:2002: not a key log line (line longer than 1024 bytes)", path);
    CU_ASSERT_STRING_EQUAL(w.last, want);
    /* The rest of the long line, then a good one. */
    put(fd, big + sizeof big - 5000);
    put(fd, strcat(strcat(strcpy(want, "\n"), line(buf, "CLIENT_RANDOM", 1, 0xee, 48)), "\n"));
    CU_ASSERT_EQUAL(mt_keylog_refresh(k), 1);
    CU_ASSERT_EQUAL(found(k, 1, MT_KEY_MASTER, &first), 48);
    CU_ASSERT_EQUAL(first, 0xee);
    st = stats(k);
    CU_ASSERT_EQUAL(st.malformed, 2);
    CU_ASSERT_EQUAL(st.lines, 2003);
    CU_ASSERT_EQUAL(w.n, 2);
    close(fd);
    unlink(path);
    mt_keylog_free(k);
}

/* A file that cannot be opened is an error naming it; one that goes away
 * later is said once, and read again when it is back. */
static void test_file_errors(void)
{
    char path[256], buf[512], err[512], want[512];
    struct warns w = {0};
    struct mt_keylog *k = mt_keylog_new(0, collect, &w);
    int fd = temp_file(path, sizeof path);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    unlink(path);
    CU_ASSERT_EQUAL(mt_keylog_add_file(k, path, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: %s", path, strerror(ENOENT));
    CU_ASSERT_STRING_EQUAL(err, want);
    CU_ASSERT_EQUAL(mt_keylog_add_file(k, "/", err, sizeof err), -1);
    snprintf(want, sizeof want, "/: %s", strerror(EISDIR));
    CU_ASSERT_STRING_EQUAL(err, want);
    CU_ASSERT_EQUAL(mt_keylog_add_file(k, "/dev/null", err, sizeof err), -1);
    CU_ASSERT_STRING_EQUAL(err, "/dev/null: not a regular file");
    CU_ASSERT_EQUAL(w.n, 0);
    /* An empty file is fine; gone (the open one is still read: nothing to
     * say), then a new one in its place, read from its start. */
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    CU_ASSERT_EQUAL(mt_keylog_add_file(k, path, err, sizeof err), 0);
    unlink(path);
    CU_ASSERT_EQUAL(mt_keylog_refresh(k), 0);
    CU_ASSERT_EQUAL(mt_keylog_refresh(k), 0);
    CU_ASSERT_EQUAL(w.n, 0);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    CU_ASSERT_FATAL(fd >= 0);
    put(fd, strcat(line(buf, "CLIENT_RANDOM", 4, 4, 48), "\n"));
    close(fd);
    CU_ASSERT_EQUAL(mt_keylog_refresh(k), 1);
    CU_ASSERT_EQUAL(found(k, 4, MT_KEY_MASTER, NULL), 48);
    CU_ASSERT_EQUAL(w.n, 0);
    unlink(path);
    mt_keylog_free(k);
}

/* Two files, each remembered and refreshed. */
static void test_two_files(void)
{
    char p1[256], p2[256], buf[512], err[256];
    int f1 = temp_file(p1, sizeof p1), f2 = temp_file(p2, sizeof p2);
    CU_ASSERT_FATAL(f1 >= 0 && f2 >= 0);
    put(f1, strcat(line(buf, "CLIENT_RANDOM", 1, 1, 48), "\n"));
    struct mt_keylog *k = mt_keylog_new(0, NULL, NULL);
    CU_ASSERT_FATAL(mt_keylog_add_file(k, p1, err, sizeof err) == 0);
    CU_ASSERT_FATAL(mt_keylog_add_file(k, p2, err, sizeof err) == 0);
    put(f2, strcat(line(buf, "CLIENT_RANDOM", 2, 2, 48), "\n"));
    put(f1, strcat(line(buf, "CLIENT_RANDOM", 3, 3, 48), "\n"));
    CU_ASSERT_EQUAL(mt_keylog_refresh(k), 2);
    CU_ASSERT(found(k, 1, MT_KEY_MASTER, NULL) && found(k, 2, MT_KEY_MASTER, NULL) &&
              found(k, 3, MT_KEY_MASTER, NULL));
    close(f1);
    close(f2);
    unlink(p1);
    unlink(p2);
    mt_keylog_free(k);
}

int register_keylog_file_suite(void)
{
    CU_pSuite s = CU_add_suite("keylog files", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "growing, cut short, replaced", test_growing_file) ||
        !CU_add_test(s, "last line without a line end", test_last_line_unterminated) ||
        !CU_add_test(s, "long lines", test_long_lines) ||
        !CU_add_test(s, "errors", test_file_errors) ||
        !CU_add_test(s, "two files", test_two_files))
        return -1;
    return 0;
}
