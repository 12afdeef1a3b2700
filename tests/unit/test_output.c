/* The outputs (follow, creds, JSON, export names), fed events directly. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mailtap/jsonstr.h"
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

static struct mt_session_state imap_state = {.proto = MT_PROTO_IMAP};

static void send(struct mt_sink *k, struct mt_event *ev, const struct mt_session_info *s)
{
    static void *slot;
    ev->session = s;
    ev->state = &imap_state;
    if (!ev->ts)
        ev->ts = s->start + 1000;
    CU_ASSERT_EQUAL(k->event(k->ctx, ev, &slot), 0);
}

static void simple(struct mt_sink *k, enum mt_event_type type, const struct mt_session_info *s)
{
    struct mt_event ev = {.type = type, .reason = MT_CLOSE_FIN};
    send(k, &ev, s);
}

/* A message; the span, if any, covers the first occurrence of secret. */
static void line(struct mt_sink *k, const struct mt_session_info *s, enum mt_dir dir,
                 enum mt_msg_kind kind, const char *label, const char *text, const char *secret)
{
    struct mt_message m = {.kind = kind, .label = label, .text = (const uint8_t *)text,
                           .len = strlen(text)};
    if (secret) {
        const char *at = strstr(text, secret);
        CU_ASSERT_PTR_NOT_NULL_FATAL(at);
        m.spans[0] = (struct mt_span){(size_t)(at - text), strlen(secret), 1};
        m.nspans = 1;
    }
    struct mt_event ev = {.type = MT_EV_MESSAGE, .dir = dir, .msg = &m};
    send(k, &ev, s);
}

static void credential(struct mt_sink *k, const struct mt_session_info *s)
{
    static const char pw[] = "s3cr\"et\033";
    struct mt_credential c = {.proto = MT_PROTO_IMAP,
                              .ts = s->start + 2000,
                              .mech = "LOGIN",
                              .via = "LOGIN",
                              .user = {(const uint8_t *)"bob", 3, 1},
                              .password = {(const uint8_t *)pw, sizeof pw - 1, 1},
                              .result = MT_RESULT_SUCCESS,
                              .starttls_offered = 1};
    struct mt_event ev = {.type = MT_EV_CREDENTIAL, .cred = &c};
    send(k, &ev, s);
}

static void conversation(struct mt_sink *k)
{
    struct mt_session_info s = session(1);
    simple(k, MT_EV_SESSION_START, &s);
    line(k, &s, MT_DIR_SERVER, MT_MSG_REPLY, "OK", "* OK ready", NULL);
    line(k, &s, MT_DIR_CLIENT, MT_MSG_COMMAND, "LOGIN", "a1 LOGIN bob s3cr\"et\033", "s3cr\"et\033");
    struct mt_event gap = {.type = MT_EV_GAP, .dir = MT_DIR_SERVER, .gap = 120};
    send(k, &gap, &s);
    line(k, &s, MT_DIR_SERVER, MT_MSG_REPLY, "OK", "a1 OK", NULL);
    credential(k, &s);
    simple(k, MT_EV_SESSION_END, &s);
}

/* A SASL PLAIN exchange: a challenge that decodes to text, a response that
 * carries the password (secret), a response cut short. */
/* A SASL line: its text, whether it exposes a user (span, not secret) or a
 * secret (span, secret), and what it decodes to. */
static void sasl_line(struct mt_sink *k, const struct mt_session_info *s, enum mt_dir dir,
                      const char *label, const char *text, int span, int secret,
                      const char *decoded, size_t decoded_len, int cut)
{
    struct mt_message m = {.kind = MT_MSG_AUTH, .label = label, .text = (const uint8_t *)text,
                           .len = strlen(text), .nspans = span,
                           .decoded = (const uint8_t *)decoded, .decoded_len = decoded_len,
                           .decoded_cut = cut, .decoded_secret = secret};
    m.spans[0] = (struct mt_span){0, m.len, secret && span};
    struct mt_event ev = {.type = MT_EV_MESSAGE, .dir = dir, .msg = &m};
    send(k, &ev, s);
}

static void sasl_exchange(struct mt_sink *k)
{
    struct mt_session_info s = session(2);
    simple(k, MT_EV_SESSION_START, &s);
    sasl_line(k, &s, MT_DIR_SERVER, "334", "334 VXNlcm5hbWU6", 0, 0, "Username:", 9, 0);
    sasl_line(k, &s, MT_DIR_CLIENT, "SASL", "AGJvYgBodW50ZXIy", 1, 1, "\0bob\0hunter2", 12, 0);
    sasl_line(k, &s, MT_DIR_CLIENT, "SASL", "Ym9i", 1, 0, "bob", 3, 1);
    /* A message the observer could not read: no span, still hidden. */
    sasl_line(k, &s, MT_DIR_CLIENT, "SASL", "b3BhcXVl", 0, 1, "opaque", 6, 0);
    simple(k, MT_EV_SESSION_END, &s);
}

typedef int (*sink_ctor)(FILE *, const struct mt_output_opts *, struct mt_sink *);

static char *run_sink(sink_ctor ctor, int color, int mask, void (*script)(struct mt_sink *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    struct mt_sink k;
    struct mt_output_opts o = {.color = color, .mask = mask};
    CU_ASSERT_FATAL(ctor(f, &o, &k) == 0);
    script(&k);
    CU_ASSERT_EQUAL(k.finish(k.ctx), 0);
    k.destroy(k.ctx);
    fclose(f);
    return buf;
}

/* --- follow ---------------------------------------------------------------- */

static void test_follow_plain(void)
{
    char *out = run_sink(mt_follow_sink, 0, 0, conversation);
    CU_ASSERT_STRING_EQUAL(out, "== session 1: 2023-11-14T22:13:20.000042Z 192.0.2.10:51234 -> "
                                "192.0.2.1:143 imap ==\n"
                                "S OK           * OK ready\n"
                                "C LOGIN        a1 LOGIN bob s3cr\"et\\x1b\n"
                                "S              [120 bytes missing]\n"
                                "S OK           a1 OK\n"
                                "** credential: imap LOGIN via LOGIN, user bob, password "
                                "s3cr\"et\\x1b: success (STARTTLS was offered)\n"
                                "== session 1 closed ==\n");
    free(out);
}

static void test_follow_color(void)
{
    char *out = run_sink(mt_follow_sink, 1, 0, conversation);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\033[34mS OK           * OK ready\033[0m\n"));
    /* Client red; the password in reverse video, its ESC byte escaped dimmed. */
    CU_ASSERT_PTR_NOT_NULL(
        strstr(out, "\033[31mC LOGIN        a1 LOGIN bob \033[7ms3cr\"et\033[2m\\x1b\033[22m\033[27m"
                    "\033[0m\n"));
    /* The only ESC bytes in the output are our own attributes. */
    static const char *const ours[] = {"31m", "34m", "0m", "1m", "2m", "22m", "7m", "27m"};
    for (const char *p = strchr(out, '\033'); p; p = strchr(p + 1, '\033')) {
        int known = 0;
        for (size_t i = 0; i < sizeof ours / sizeof ours[0]; i++)
            known |= p[1] == '[' && strncmp(p + 2, ours[i], strlen(ours[i])) == 0;
        CU_ASSERT(known);
    }
    free(out);
}

static void test_follow_mask(void)
{
    char *out = run_sink(mt_follow_sink, 0, 1, conversation);
    CU_ASSERT_PTR_NULL(strstr(out, "s3cr"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "C LOGIN        a1 LOGIN bob s******\\x1b\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "password s******\\x1b: success"));
    free(out);
}

static void interleaved(struct mt_sink *k)
{
    struct mt_session_info a = session(1), b = session(2);
    b.client.port = 51235;
    simple(k, MT_EV_SESSION_START, &a);
    line(k, &a, MT_DIR_CLIENT, MT_MSG_COMMAND, "NOOP", "a1 NOOP", NULL);
    simple(k, MT_EV_SESSION_START, &b);
    line(k, &b, MT_DIR_CLIENT, MT_MSG_COMMAND, "NOOP", "b1 NOOP", NULL);
    line(k, &a, MT_DIR_SERVER, MT_MSG_REPLY, "OK", "a1 OK", NULL);
    simple(k, MT_EV_SESSION_END, &b);
    simple(k, MT_EV_SESSION_END, &a);
}

static void test_follow_interleaved(void)
{
    char *out = run_sink(mt_follow_sink, 0, 0, interleaved);
    CU_ASSERT_STRING_EQUAL(out,
                           "== session 1: 2023-11-14T22:13:20.000042Z 192.0.2.10:51234 -> "
                           "192.0.2.1:143 imap ==\n"
                           "C NOOP         a1 NOOP\n"
                           "\n== session 2: 2023-11-14T22:13:20.000042Z 192.0.2.10:51235 -> "
                           "192.0.2.1:143 imap ==\n"
                           "C NOOP         b1 NOOP\n"
                           "\n== session 1 continued: 2023-11-14T22:13:20.000042Z 192.0.2.10:51234 "
                           "-> 192.0.2.1:143 imap ==\n"
                           "S OK           a1 OK\n"
                           "\n== session 2 continued: 2023-11-14T22:13:20.000042Z 192.0.2.10:51235 "
                           "-> 192.0.2.1:143 imap ==\n"
                           "== session 2 closed ==\n"
                           "\n== session 1 continued: 2023-11-14T22:13:20.000042Z 192.0.2.10:51234 "
                           "-> 192.0.2.1:143 imap ==\n"
                           "== session 1 closed ==\n");
    free(out);
}

/* A literal's last bytes without a line end: the rest of the wire line
 * (next message of the same direction) goes on on the same output line,
 * even when the other side spoke in between. */
static void pieces(struct mt_sink *k)
{
    struct mt_session_info s = session(1);
    simple(k, MT_EV_SESSION_START, &s);
    line(k, &s, MT_DIR_CLIENT, MT_MSG_COMMAND, "LOGIN", "a1 LOGIN {5}", NULL);
    struct mt_message m = {.kind = MT_MSG_COMMAND, .label = "LOGIN", .partial = 1,
                           .text = (const uint8_t *)"quinn", .len = 5};
    struct mt_event ev = {.type = MT_EV_MESSAGE, .dir = MT_DIR_CLIENT, .msg = &m};
    send(k, &ev, &s);
    line(k, &s, MT_DIR_CLIENT, MT_MSG_COMMAND, "LOGIN", " {3}", NULL);
    line(k, &s, MT_DIR_SERVER, MT_MSG_REPLY, "+", "+ OK", NULL);
    ev.msg = &m;
    m.text = (const uint8_t *)"p\rw";
    m.len = 3;
    send(k, &ev, &s);
    line(k, &s, MT_DIR_SERVER, MT_MSG_REPLY, "BAD", "* BAD", NULL);
    simple(k, MT_EV_SESSION_END, &s);
}

static void test_follow_pieces(void)
{
    char *out = run_sink(mt_follow_sink, 0, 0, pieces);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "imap ==\n"
                                       "C LOGIN        a1 LOGIN {5}\n"
                                       "C LOGIN        quinn {3}\n"
                                       "S +            + OK\n"
                                       "C LOGIN        p\\rw\n"
                                       "S BAD          * BAD\n"));
    free(out);
}

/* --- creds ----------------------------------------------------------------- */

static void test_creds_table(void)
{
    char *out = run_sink(mt_creds_sink, 0, 0, conversation);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "TIME                         CLIENT -> SERVER"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\n2023-11-14T22:13:20.002042Z  192.0.2.10:51234 -> "
                                       "192.0.2.1:143"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "  imap         LOGIN        success  bob               "
                                       "s3cr\"et\\x1b\n"));
    /* Nothing but the header and one row. */
    size_t lines = 0;
    for (const char *p = out; *p; p++)
        lines += *p == '\n';
    CU_ASSERT_EQUAL(lines, 2);
    CU_ASSERT_PTR_NULL(strchr(out, '\033'));
    free(out);
    out = run_sink(mt_creds_sink, 0, 1, conversation);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "  bob               s******\\x1b\n"));
    free(out);
}

static void nothing(struct mt_sink *k) { (void)k; }

static void test_creds_empty(void)
{
    char *out = run_sink(mt_creds_sink, 0, 0, nothing);
    CU_ASSERT(strncmp(out, "TIME ", 5) == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "PASSWORD OR HASH\n"));
    CU_ASSERT_EQUAL(strchr(out, '\n')[1], '\0');
    free(out);
}

/* A SASL message's decoded form: under its line, exposing what the line
 * exposes; a secret one masked whole with --mask. */
static void test_decoded_sasl(void)
{
    char *out = run_sink(mt_follow_sink, 0, 0, sasl_exchange);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "S 334          334 VXNlcm5hbWU6\n"
                                       "S (decoded)    Username:\n"
                                       "C SASL         AGJvYgBodW50ZXIy\n"
                                       "C (decoded)    \\0bob\\0hunter2\n"
                                       "C SASL         Ym9i\n"
                                       "C (decoded)    bob[cut]\n"));
    free(out);
    out = run_sink(mt_follow_sink, 1, 0, sasl_exchange);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\033[7m\033[2m\\0\033[22mbob"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "(decoded)    Username:\033[0m\n")); /* nothing exposed */
    free(out);
    out = run_sink(mt_follow_sink, 0, 1, sasl_exchange);
    CU_ASSERT_PTR_NULL(strstr(out, "hunter2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "C (decoded)    \\0**********2\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "C (decoded)    bob[cut]\n")); /* a user name stays */
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "C (decoded)    o****e\n"));
    CU_ASSERT_PTR_NULL(strstr(out, "opaque"));
    free(out);
    out = run_sink(mt_json_sink, 0, 0, sasl_exchange);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"decoded\":\"Username:\",\"decoded_truncated\":false}"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"decoded\":\"\\u0000bob\\u0000hunter2\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"decoded\":\"bob\",\"decoded_truncated\":true}"));
    free(out);
    out = run_sink(mt_json_sink, 0, 1, sasl_exchange);
    CU_ASSERT_PTR_NULL(strstr(out, "hunter2"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"decoded\":\"\\u0000**********2\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"decoded\":\"o****e\""));
    free(out);
}

/* --- JSON ------------------------------------------------------------------ */

static void test_json_events(void)
{
    char *out = run_sink(mt_json_sink, 1, 0, conversation);
    CU_ASSERT_PTR_NOT_NULL(strstr(
        out, "{\"type\":\"session_start\",\"ts\":\"2023-11-14T22:13:20.000042Z\",\"session\":1,"
             "\"proto\":\"imap\",\"client\":\"192.0.2.10:51234\",\"server\":\"192.0.2.1:143\","
             "\"implicit_tls\":false}\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(
        out, "\"dir\":\"client\",\"kind\":\"command\",\"label\":\"LOGIN\",\"text\":\"a1 LOGIN bob "
             "s3cr\\\"et\\u001b\",\"secret\":true,\"partial\":false,\"truncated\":false,"
             "\"decoded\":null,\"decoded_truncated\":false}\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "{\"type\":\"gap\",\"ts\":\"2023-11-14T22:13:20.001042Z\","
                                       "\"session\":1,\"dir\":\"server\",\"bytes\":120}\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(
        out, "{\"type\":\"credential\",\"ts\":\"2023-11-14T22:13:20.002042Z\",\"session\":1,"
             "\"proto\":\"imap\",\"client\":\"192.0.2.10:51234\",\"server\":\"192.0.2.1:143\","
             "\"mech\":\"LOGIN\",\"via\":\"LOGIN\",\"user\":\"bob\",\"password\":\"s3cr\\\"et\\u001b\","
             "\"service\":null,\"hash\":null,\"user_truncated\":false,\"password_truncated\":false,"
                   "\"result\":\"success\",\"starttls_offered\":true,\"tls\":false}\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "{\"type\":\"session_end\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"reason\":\"fin\""));
    /* Color never applies to JSON, and nothing raw reaches the output. */
    CU_ASSERT_PTR_NULL(strchr(out, '\033'));
    free(out);
    out = run_sink(mt_json_sink, 0, 1, conversation);
    CU_ASSERT_PTR_NULL(strstr(out, "s3cr"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"text\":\"a1 LOGIN bob s******\\u001b\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"password\":\"s******\\u001b\""));
    free(out);
}

static char *json_of(const char *p, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    mt_json_string(f, (const uint8_t *)p, n);
    fclose(f);
    return buf;
}

/* The line writer: pieces, a string longer than its buffer, a formatted
 * piece that does not fit, and one longer than the whole buffer come out
 * as they would written one by one. */
static void test_jbuf(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    char small[64];
    struct mt_jbuf b;
    mt_jbuf_init(&b, small, sizeof small, f);
    char big[300];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    MT_JBUF_LIT(&b, "{\"a\":");
    mt_jbuf_u64(&b, 18446744073709551615ULL);
    mt_jbuf_putc(&b, ',');
    mt_jbuf_cstring(&b, big);       /* longer than the buffer */
    mt_jbuf_printf(&b, ",%d,%s", 42, big); /* longer than the buffer too */
    mt_jbuf_printf(&b, ",%s", "end");
    mt_jbuf_cstring(&b, NULL);
    mt_jbuf_flush(&b);
    fclose(f);
    char want[1024];
    snprintf(want, sizeof want, "{\"a\":18446744073709551615,\"%s\",42,%s,endnull", big, big);
    CU_ASSERT_STRING_EQUAL(buf, want);
    free(buf);
}

static void test_json_strings(void)
{
    static const struct {
        const char *in;
        size_t n;
        const char *out;
    } cases[] = {
        {"plain", 5, "\"plain\""},
        {"q\"b\\s/", 6, "\"q\\\"b\\\\s/\""},
        {"\r\n\t\b\x01\x7f", 6, "\"\\r\\n\\t\\u0008\\u0001\\u007f\""},
        {"\0", 1, "\"\\u0000\""},
        {"caf\xc3\xa9 \xe2\x9c\x93", 9, "\"caf\xc3\xa9 \xe2\x9c\x93\""}, /* UTF-8 kept */
        {"\xe9t\xe9", 3, "\"\\u00e9t\\u00e9\""},                        /* Latin-1 bytes */
        {"\xc0\xaf", 2, "\"\\u00c0\\u00af\""},                          /* overlong */
        {"\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\""},               /* a surrogate */
        {"\xc2\x9b" "2J", 4, "\"\\u009b2J\""},                           /* C1 CSI */
        {"a\xe2\x80\xae" "b", 5, "\"a\\u202eb\""},                      /* RLO */
        {"\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\""},                /* astral kept */
        {"\xf0\x9f\x98", 3, "\"\\u00f0\\u009f\\u0098\""},                /* cut sequence */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *got = json_of(cases[i].in, cases[i].n);
        CU_ASSERT_STRING_EQUAL(got, cases[i].out);
        if (strcmp(got, cases[i].out) != 0)
            fprintf(stderr, "\ncase %zu: got %s\n", i, got);
        free(got);
    }
}

/* --- export ---------------------------------------------------------------- */

/* A file closed to save descriptors and replaced meanwhile by a FIFO is
 * refused when its session writes again, at once (no reader is waited
 * for), and nothing is written through it; that file only: the other
 * session's goes on, and nothing fails. */
static void test_export_reopen_refuses_fifo(void)
{
    char dir[] = "/tmp/mailtap-test-XXXXXX";
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    struct mt_sink k;
    char err[256];
    CU_ASSERT_FATAL(mt_export_sink(dir, 1, &k, err, sizeof err) == 0);
    struct mt_session_info a = session(1), b = session(2);
    b.client.port = 51235;
    void *slot_a = NULL, *slot_b = NULL;
    struct mt_event ev = {.type = MT_EV_SESSION_START, .session = &a, .state = &imap_state};
    CU_ASSERT_EQUAL(k.event(k.ctx, &ev, &slot_a), 0);
    ev.session = &b;
    CU_ASSERT_EQUAL(k.event(k.ctx, &ev, &slot_b), 0);
    struct mt_event data = {.type = MT_EV_DATA, .session = &a, .state = &imap_state,
                            .dir = MT_DIR_CLIENT, .data = (const uint8_t *)"one\n", .len = 4};
    CU_ASSERT_EQUAL(k.event(k.ctx, &data, &slot_a), 0);
    data.session = &b; /* one file open at most: a's is closed */
    CU_ASSERT_EQUAL(k.event(k.ctx, &data, &slot_b), 0);
    char path[256], name[128];
    mt_export_name(&a, MT_DIR_CLIENT, name, sizeof name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    CU_ASSERT_EQUAL(unlink(path), 0);
    CU_ASSERT_EQUAL(mkfifo(path, 0600), 0);
    data.session = &a;
    CU_ASSERT_EQUAL(k.event(k.ctx, &data, &slot_a), 0);
    CU_ASSERT_EQUAL(k.event(k.ctx, &data, &slot_a), 0); /* not tried again */
    data.session = &b;
    CU_ASSERT_EQUAL(k.event(k.ctx, &data, &slot_b), 0);
    struct stat st;
    CU_ASSERT(lstat(path, &st) == 0 && S_ISFIFO(st.st_mode));
    CU_ASSERT_EQUAL(k.finish(k.ctx), 0);
    k.destroy(k.ctx);
    unlink(path);
    mt_export_name(&b, MT_DIR_CLIENT, name, sizeof name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
    CU_ASSERT_EQUAL(rmdir(dir), 0);
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
           !CU_add_test(s, "follow, --mask", test_follow_mask) ||
           !CU_add_test(s, "follow, interleaved sessions", test_follow_interleaved) ||
           !CU_add_test(s, "follow, pieces of counted data", test_follow_pieces) ||
           !CU_add_test(s, "creds table", test_creds_table) ||
           !CU_add_test(s, "creds, nothing found", test_creds_empty) ||
           !CU_add_test(s, "JSON events", test_json_events) ||
           !CU_add_test(s, "decoded SASL messages", test_decoded_sasl) ||
           !CU_add_test(s, "JSON strings for any bytes", test_json_strings) ||
           !CU_add_test(s, "JSON line writer", test_jbuf) ||
           !CU_add_test(s, "export file names", test_export_names) ||
           !CU_add_test(s, "export refuses a FIFO put in a file's place", test_export_reopen_refuses_fifo);
}
