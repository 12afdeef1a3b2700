/* The audit report's rules, fed events directly: a burst of failed logins
 * within the window is password guessing and one spread wider is not; a
 * login in the clear after STARTTLS was offered; what a session's end says
 * the server offered; the bounds of its tables. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mailtap/output.h"
#include "suites.h"

#define SEC 1000000LL
#define T0 (1700000000LL * SEC)

struct run {
    struct mt_sink k;
    void *slots[64];
};

static struct mt_session_info sess(uint64_t id, uint8_t client, uint16_t sport)
{
    struct mt_session_info s;
    memset(&s, 0, sizeof s);
    s.id = id;
    s.client = (struct mt_endpoint){.family = 4, .addr = {198, 51, 100, client}, .port = 40000};
    s.server = (struct mt_endpoint){.family = 4, .addr = {192, 0, 2, 1}, .port = sport};
    s.start = T0;
    return s;
}

static void ev(struct run *r, enum mt_event_type type, const struct mt_session_info *s,
               const struct mt_session_state *st, mt_time_us ts, const void *payload)
{
    struct mt_event e = {.type = type, .ts = ts, .session = s, .state = st};
    if (type == MT_EV_CREDENTIAL)
        e.cred = payload;
    CU_ASSERT_EQUAL(r->k.event(r->k.ctx, &e, &r->slots[s->id % 64]), 0);
}

/* One session: start, a login with result res by user at time ts, end. */
static void login(struct run *r, uint64_t id, uint8_t client, const char *user,
                  enum mt_result res, mt_time_us ts, const struct mt_session_state *st)
{
    struct mt_session_info s = sess(id, client, 110);
    struct mt_credential c = {.proto = MT_PROTO_POP3, .ts = ts, .mech = "USER", .via = "USER"};
    c.user = (struct mt_bytes){(const uint8_t *)user, strlen(user), 1, 0};
    c.password = (struct mt_bytes){(const uint8_t *)"pw", 2, 1, 0};
    c.result = res;
    c.starttls_offered = st->starttls_offered;
    ev(r, MT_EV_SESSION_START, &s, st, ts, NULL);
    ev(r, MT_EV_CREDENTIAL, &s, st, ts, &c);
    ev(r, MT_EV_SESSION_END, &s, st, ts, NULL);
}

/* Runs the sink's finish into a string (JSON). */
static char *finish(struct run *r, FILE *f, char **buf)
{
    CU_ASSERT_EQUAL(r->k.finish(r->k.ctx), 0);
    fclose(f);
    r->k.destroy(r->k.ctx);
    return *buf;
}

static void start(struct run *r, FILE **f, char **buf, size_t *len, unsigned failures,
                  unsigned window)
{
    memset(r, 0, sizeof *r);
    *f = open_memstream(buf, len);
    struct mt_report_opts o = {.format = MT_REPORT_JSON, .guess_failures = failures,
                               .guess_window = window, .source = "test"};
    CU_ASSERT_EQUAL(mt_report_sink(*f, &o, &r->k), 0);
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

static void test_guessing_window(void)
{
    struct run r;
    FILE *f;
    char *buf = NULL;
    size_t len;
    struct mt_session_state st = {.proto = MT_PROTO_POP3};
    start(&r, &f, &buf, &len, 3, 10);
    /* Client 10: three failures within 9 s, then a fourth. */
    login(&r, 1, 10, "ann", MT_RESULT_FAILURE, T0, &st);
    login(&r, 2, 10, "bea", MT_RESULT_FAILURE, T0 + 5 * SEC, &st);
    login(&r, 3, 10, "cid", MT_RESULT_FAILURE, T0 + 9 * SEC, &st);
    login(&r, 4, 10, "dan", MT_RESULT_FAILURE, T0 + 30 * SEC, &st);
    /* Client 20: three failures 6 s apart: never three within 10 s. */
    login(&r, 5, 20, "eve", MT_RESULT_FAILURE, T0 + 100 * SEC, &st);
    login(&r, 6, 20, "eve", MT_RESULT_FAILURE, T0 + 106 * SEC, &st);
    login(&r, 7, 20, "eve", MT_RESULT_FAILURE, T0 + 112 * SEC, &st);
    /* ... and a success does not count. */
    login(&r, 8, 20, "eve", MT_RESULT_SUCCESS, T0 + 113 * SEC, &st);
    char *out = finish(&r, f, &buf);
    CU_ASSERT_EQUAL(count(out, "\"id\":\"password-guessing\""), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"id\":\"password-guessing\",\"severity\":\"high\","
                                       "\"server\":\"192.0.2.1:110\",\"proto\":\"pop3\","
                                       "\"client\":\"198.51.100.10\",\"user\":null,\"count\":4,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"evidence\":[{\"session\":1,"));
    CU_ASSERT_PTR_NULL(strstr(out, "\"client\":\"198.51.100.20\""));
    /* Eve: 3 failures against one account, 6 s apart: not within 10 s either. */
    CU_ASSERT_PTR_NULL(strstr(out, "\"user\":\"eve\",\"count\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"user\":\"eve\",\"server\":\"192.0.2.1:110\",\"exposed\":4"));
    free(buf);
}

static void test_offers(void)
{
    struct run r;
    FILE *f;
    char *buf = NULL;
    size_t len;
    start(&r, &f, &buf, &len, 10, 600);
    struct mt_session_state offered = {.proto = MT_PROTO_POP3, .starttls_offered = 1,
                                       .logins_offered = 1, .auth_offered = "PLAIN LOGIN"};
    login(&r, 1, 10, "ann", MT_RESULT_SUCCESS, T0, &offered);
    struct mt_session_state refused = {.proto = MT_PROTO_POP3, .starttls_offered = 1,
                                       .login_disabled = 1, .starttls_failed = 1};
    login(&r, 2, 11, "bea", MT_RESULT_FAILURE, T0 + SEC, &refused);
    char *out = finish(&r, f, &buf);
    CU_ASSERT_EQUAL(count(out, "\"id\":\"cleartext-login-accepted\""), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"id\":\"starttls-ignored\",\"severity\":\"high\","
                                       "\"server\":\"192.0.2.1:110\",\"proto\":\"pop3\","
                                       "\"client\":\"198.51.100.10\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"id\":\"starttls-failed\",\"severity\":\"high\","
                                       "\"server\":\"192.0.2.1:110\",\"proto\":\"pop3\","
                                       "\"client\":\"198.51.100.11\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"id\":\"login-requires-tls\",\"severity\":\"info\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"mechanisms_in_clear\":[\"PLAIN\",\"LOGIN\"]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"cleartext_logins\":{\"accepted\":1,\"rejected\":1,"));
    /* No STARTTLS finding: it was offered. */
    CU_ASSERT_PTR_NULL(strstr(out, "\"id\":\"no-starttls\""));
    free(buf);
}

/* More servers than the table holds: the rest are counted, not kept. */
static void test_bounds(void)
{
    struct run r;
    FILE *f;
    char *buf = NULL;
    size_t len;
    start(&r, &f, &buf, &len, 10, 600);
    struct mt_session_state st = {.proto = MT_PROTO_IMAP};
    for (unsigned i = 0; i < 1100; i++) {
        struct mt_session_info s = sess(i + 1, 1, (uint16_t)(1000 + i));
        ev(&r, MT_EV_SESSION_START, &s, &st, T0 + i, NULL);
        ev(&r, MT_EV_SESSION_END, &s, &st, T0 + i, NULL);
    }
    char *out = finish(&r, f, &buf);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"not_kept\":{\"servers\":76,"));
    CU_ASSERT_EQUAL(count(out, "{\"server\":\"192.0.2.1:"), 1024);
    free(buf);
}

int register_report_suite(void)
{
    CU_pSuite s = CU_add_suite("report", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "password guessing within the window", test_guessing_window) ||
        !CU_add_test(s, "offers and refusals", test_offers) ||
        !CU_add_test(s, "table bounds", test_bounds))
        return -1;
    return 0;
}
