#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailtap/output.h"
#include "suites.h"

static struct mt_session_info session(uint64_t id)
{
    struct mt_session_info s;
    memset(&s, 0, sizeof s);
    s.id = id;
    s.client = (struct mt_endpoint){.family = 4, .addr = {192, 0, 2, 10}, .port = 51234};
    s.server = (struct mt_endpoint){.family = 4, .addr = {192, 0, 2, 1}, .port = 143};
    s.start = 1700000000LL * 1000000 + 42;
    return s;
}

static void emit(struct mt_sink *k, enum mt_event_type type, const struct mt_session_info *s,
                 enum mt_dir dir, const char *data, uint64_t gap)
{
    static void *slot;
    struct mt_event ev = {.type = type, .session = s, .dir = dir, .gap = gap,
                          .reason = MT_CLOSE_FIN};
    if (data) {
        ev.data = (const uint8_t *)data;
        ev.len = strlen(data);
    }
    CU_ASSERT_EQUAL(k->event(k->ctx, &ev, &slot), 0);
}

static char *run_follow(int color, void (*script)(struct mt_sink *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct mt_sink k;
    CU_ASSERT_FATAL(mt_follow_sink(f, color, &k) == 0);
    script(&k);
    CU_ASSERT_EQUAL(k.finish(k.ctx), 0);
    k.destroy(k.ctx);
    fclose(f);
    return buf;
}

static void conversation(struct mt_sink *k)
{
    struct mt_session_info s = session(1);
    emit(k, MT_EV_SESSION_START, &s, 0, NULL, 0);
    emit(k, MT_EV_DATA, &s, MT_DIR_SERVER, "* OK ready\r\n", 0);
    emit(k, MT_EV_DATA, &s, MT_DIR_CLIENT, "a1 LOGIN bob \033[2Jx\r", 0);
    emit(k, MT_EV_DATA, &s, MT_DIR_CLIENT, "\n", 0);
    emit(k, MT_EV_GAP, &s, MT_DIR_SERVER, NULL, 120);
    emit(k, MT_EV_DATA, &s, MT_DIR_SERVER, "a1 OK", 0);
    emit(k, MT_EV_SESSION_END, &s, 0, NULL, 0);
}

static void test_follow_plain(void)
{
    char *out = run_follow(0, conversation);
    CU_ASSERT_STRING_EQUAL(out, "== session 1: 2023-11-14T22:13:20.000042Z 192.0.2.10:51234 -> "
                                "192.0.2.1:143 ==\n"
                                "S * OK ready\n"
                                "C a1 LOGIN bob \\x1b[2Jx\n"
                                "S [120 bytes missing]\n"
                                "S a1 OK\n"
                                "== session 1 closed ==\n");
    free(out);
}

static void test_follow_color(void)
{
    char *out = run_follow(1, conversation);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\033[34mS * OK ready\033[0m\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\033[31mC a1 LOGIN bob \033[2m\\x1b\033[22m[2Jx\033[0m\n"));
    /* The only ESC bytes in the output are our own color codes. */
    for (const char *p = strchr(out, '\033'); p; p = strchr(p + 1, '\033'))
        CU_ASSERT(p[1] == '[' && (strncmp(p + 2, "31m", 3) == 0 || strncmp(p + 2, "34m", 3) == 0 ||
                                  strncmp(p + 2, "0m", 2) == 0 || strncmp(p + 2, "1m", 2) == 0 ||
                                  strncmp(p + 2, "2m", 2) == 0 || strncmp(p + 2, "22m", 3) == 0));
    free(out);
}

static void interleaved(struct mt_sink *k)
{
    struct mt_session_info a = session(1), b = session(2);
    b.client.port = 51235;
    emit(k, MT_EV_SESSION_START, &a, 0, NULL, 0);
    emit(k, MT_EV_DATA, &a, MT_DIR_CLIENT, "abc", 0);
    emit(k, MT_EV_SESSION_START, &b, 0, NULL, 0);
    emit(k, MT_EV_DATA, &b, MT_DIR_CLIENT, "xyz\n", 0);
    emit(k, MT_EV_DATA, &a, MT_DIR_CLIENT, "def\n", 0);
    emit(k, MT_EV_SESSION_END, &b, 0, NULL, 0);
    emit(k, MT_EV_SESSION_END, &a, 0, NULL, 0);
}

static void test_follow_interleaved(void)
{
    char *out = run_follow(0, interleaved);
    CU_ASSERT_STRING_EQUAL(out,
                           "== session 1: 2023-11-14T22:13:20.000042Z 192.0.2.10:51234 -> "
                           "192.0.2.1:143 ==\n"
                           "C abc\n"
                           "\n== session 2: 2023-11-14T22:13:20.000042Z 192.0.2.10:51235 -> "
                           "192.0.2.1:143 ==\n"
                           "C xyz\n"
                           "\n== session 1 continued: 2023-11-14T22:13:20.000042Z 192.0.2.10:51234 "
                           "-> 192.0.2.1:143 ==\n"
                           "C def\n"
                           "\n== session 2 continued: 2023-11-14T22:13:20.000042Z 192.0.2.10:51235 "
                           "-> 192.0.2.1:143 ==\n"
                           "== session 2 closed ==\n"
                           "\n== session 1 continued: 2023-11-14T22:13:20.000042Z 192.0.2.10:51234 "
                           "-> 192.0.2.1:143 ==\n"
                           "== session 1 closed ==\n");
    free(out);
}

static void test_export_names(void)
{
    struct mt_session_info s = session(1);
    char name[128];
    mt_export_name(&s, MT_DIR_CLIENT, name, sizeof name);
    CU_ASSERT_STRING_EQUAL(name, "192.000.002.010.51234-192.000.002.001.00143");
    mt_export_name(&s, MT_DIR_SERVER, name, sizeof name);
    CU_ASSERT_STRING_EQUAL(name, "192.000.002.001.00143-192.000.002.010.51234");
    s.reuse = 2;
    s.client.family = s.server.family = 6;
    memset(s.client.addr, 0, 16);
    memset(s.server.addr, 0, 16);
    s.client.addr[15] = 1;
    s.server.addr[0] = 0x20, s.server.addr[1] = 0x01, s.server.addr[15] = 5;
    mt_export_name(&s, MT_DIR_CLIENT, name, sizeof name);
    CU_ASSERT_STRING_EQUAL(name, "::1.51234-2001::5.00143c2");
}

int register_output_suite(void)
{
    CU_pSuite s = CU_add_suite("output", NULL, NULL);
    if (!s)
        return -1;
    return !CU_add_test(s, "follow, plain text", test_follow_plain) ||
           !CU_add_test(s, "follow, colors and escapes", test_follow_color) ||
           !CU_add_test(s, "follow, interleaved sessions", test_follow_interleaved) ||
           !CU_add_test(s, "export file names", test_export_names);
}
