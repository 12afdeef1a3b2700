/* Explanations of labels (--explain): every label the dissectors give has a
 * meaning and a reference, lookups are exact, and the catalogues built from
 * po/ give each language's text (the .po's msgstr) as LANG and friends say,
 * also for locales not installed on the machine. */
#include <CUnit/CUnit.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailtap/explain.h"
#include "suites.h"

/* Every label to explain, by protocol, direction and kind, space-separated. */
struct group {
    enum mt_proto proto;
    enum mt_dir dir;
    enum mt_msg_kind kind;
    const char *labels;
};

#define SMTP_COMMANDS "HELO EHLO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY EXPN HELP STARTTLS AUTH . ?"
#define SMTP_CODES                                                                             \
    "211 214 220 221 235 250 251 252 354 421 432 450 451 452 454 455 500 501 502 503 504 530 " \
    "534 535 538 550 551 552 553 554 555 ?"

static const struct group groups[] = {
    {MT_PROTO_POP3, MT_DIR_CLIENT, MT_MSG_COMMAND,
     "USER PASS APOP AUTH CAPA STLS STAT LIST UIDL RETR TOP DELE NOOP RSET QUIT UTF8 LAST ?"},
    {MT_PROTO_POP3, MT_DIR_CLIENT, MT_MSG_AUTH, "SASL"},
    {MT_PROTO_POP3, MT_DIR_SERVER, MT_MSG_REPLY, "+OK -ERR . ?"},
    {MT_PROTO_POP3, MT_DIR_SERVER, MT_MSG_AUTH, "+"},
    {MT_PROTO_IMAP, MT_DIR_CLIENT, MT_MSG_COMMAND,
     "CAPABILITY NOOP LOGOUT STARTTLS AUTHENTICATE LOGIN ENABLE SELECT EXAMINE CREATE DELETE "
     "RENAME SUBSCRIBE UNSUBSCRIBE LIST NAMESPACE STATUS APPEND IDLE CLOSE UNSELECT EXPUNGE "
     "SEARCH FETCH STORE COPY MOVE UID ID COMPRESS DONE GETQUOTAROOT XLIST LSUB CHECK ?"},
    {MT_PROTO_IMAP, MT_DIR_CLIENT, MT_MSG_AUTH, "SASL"},
    {MT_PROTO_IMAP, MT_DIR_SERVER, MT_MSG_REPLY,
     "OK NO BAD BYE PREAUTH + CAPABILITY FLAGS EXISTS RECENT EXPUNGE FETCH LIST LSUB STATUS "
     "SEARCH ESEARCH NAMESPACE ENABLED ID QUOTA QUOTAROOT VANISHED ?"},
    {MT_PROTO_IMAP, MT_DIR_SERVER, MT_MSG_AUTH, "+"},
    {MT_PROTO_SMTP, MT_DIR_CLIENT, MT_MSG_COMMAND, SMTP_COMMANDS},
    {MT_PROTO_SMTP, MT_DIR_CLIENT, MT_MSG_AUTH, "SASL"},
    {MT_PROTO_SMTP, MT_DIR_SERVER, MT_MSG_REPLY, SMTP_CODES},
    {MT_PROTO_SMTP, MT_DIR_SERVER, MT_MSG_AUTH, "334"},
    {MT_PROTO_LMTP, MT_DIR_CLIENT, MT_MSG_COMMAND, "LHLO " SMTP_COMMANDS},
    {MT_PROTO_LMTP, MT_DIR_CLIENT, MT_MSG_AUTH, "SASL"},
    {MT_PROTO_LMTP, MT_DIR_SERVER, MT_MSG_REPLY, SMTP_CODES},
    {MT_PROTO_LMTP, MT_DIR_SERVER, MT_MSG_AUTH, "334"},
    {MT_PROTO_SIEVE, MT_DIR_CLIENT, MT_MSG_COMMAND,
     "AUTHENTICATE STARTTLS LOGOUT CAPABILITY HAVESPACE PUTSCRIPT LISTSCRIPTS SETACTIVE "
     "GETSCRIPT DELETESCRIPT RENAMESCRIPT CHECKSCRIPT NOOP UNAUTHENTICATE ?"},
    {MT_PROTO_SIEVE, MT_DIR_CLIENT, MT_MSG_AUTH, "SASL"},
    {MT_PROTO_SIEVE, MT_DIR_SERVER, MT_MSG_REPLY,
     "OK NO BYE IMPLEMENTATION SASL SIEVE STARTTLS MAXREDIRECTS NOTIFY LANGUAGE OWNER VERSION "
     "UNAUTHENTICATE SCRIPT ?"},
    {MT_PROTO_SIEVE, MT_DIR_SERVER, MT_MSG_AUTH, "SASL"},
};
#define NGROUPS (sizeof groups / sizeof groups[0])

/* Calls f for every label of every group; f returns 0 to stop. */
static void each_label(void (*f)(const struct group *g, const char *label, void *arg), void *arg)
{
    for (size_t i = 0; i < NGROUPS; i++) {
        char copy[512];
        snprintf(copy, sizeof copy, "%s", groups[i].labels);
        char *save = NULL;
        for (char *l = strtok_r(copy, " ", &save); l; l = strtok_r(NULL, " ", &save))
            f(&groups[i], l, arg);
    }
}

/* --- the environment, saved and restored around the language tests ------- */

static const char *const env_names[] = {"LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE",
                                        "MAILTAP_LOCALEDIR"};
#define NENV (sizeof env_names / sizeof env_names[0])
static char *env_saved[NENV];

static void env_save(void)
{
    for (size_t i = 0; i < NENV; i++) {
        const char *v = getenv(env_names[i]);
        env_saved[i] = v ? strdup(v) : NULL;
    }
}

static void env_restore(void)
{
    for (size_t i = 0; i < NENV; i++) {
        if (env_saved[i])
            setenv(env_names[i], env_saved[i], 1);
        else
            unsetenv(env_names[i]);
        free(env_saved[i]);
        env_saved[i] = NULL;
    }
    setlocale(LC_MESSAGES, "C");
}

/* Only what is given is set, the rest of the locale variables unset. */
static void env_set(const char *lang, const char *lc_all, const char *language)
{
    unsetenv("LC_MESSAGES");
    if (lang)
        setenv("LANG", lang, 1);
    else
        unsetenv("LANG");
    if (lc_all)
        setenv("LC_ALL", lc_all, 1);
    else
        unsetenv("LC_ALL");
    if (language)
        setenv("LANGUAGE", language, 1);
    else
        unsetenv("LANGUAGE");
}

/* English: the meanings as the tables hold them. */
static void english(void)
{
    unsetenv("MAILTAP_LOCALEDIR");
    env_set("C", NULL, NULL);
    mt_explain_init();
}

/* --- coverage --------------------------------------------------------------- */

static void check_covered(const struct group *g, const char *label, void *arg)
{
    (void)arg;
    const char *ref = "unset";
    const char *m = mt_explain(g->proto, g->dir, g->kind, label, &ref);
    if (!m || !ref) {
        fprintf(stderr, "\n  no explanation for %s %s %d \"%s\"\n", mt_proto_name(g->proto),
                g->dir == MT_DIR_CLIENT ? "client" : "server", (int)g->kind, label);
        CU_FAIL("a label without explanation");
        return;
    }
    CU_ASSERT(strlen(m) > 0 && strlen(m) <= 100);
    CU_ASSERT(m[strlen(m) - 1] != '.');
    CU_ASSERT(strncmp(ref, "RFC ", 4) == 0 || strcmp(label, "XLIST") == 0);
}

static void test_every_label_explained(void)
{
    env_save();
    english();
    each_label(check_covered, NULL);
    env_restore();
}

static void test_exact_lookup(void)
{
    env_save();
    english();
    const char *ref = "unset";
    CU_ASSERT_PTR_NULL(mt_explain(MT_PROTO_IMAP, MT_DIR_CLIENT, MT_MSG_COMMAND, "FROBNICATE", &ref));
    CU_ASSERT_PTR_NULL(ref);
    CU_ASSERT_PTR_NULL(mt_explain(MT_PROTO_IMAP, MT_DIR_SERVER, MT_MSG_REPLY, "", NULL));
    CU_ASSERT_PTR_NULL(mt_explain(MT_PROTO_IMAP, MT_DIR_SERVER, MT_MSG_REPLY, NULL, NULL));
    CU_ASSERT_PTR_NULL(mt_explain(MT_PROTO_UNKNOWN, MT_DIR_CLIENT, MT_MSG_COMMAND, "LOGIN", NULL));
    /* Case-sensitive: the dissectors give labels in capitals. */
    CU_ASSERT_PTR_NULL(mt_explain(MT_PROTO_IMAP, MT_DIR_CLIENT, MT_MSG_COMMAND, "login", NULL));
    CU_ASSERT_PTR_NULL(mt_explain(MT_PROTO_POP3, MT_DIR_SERVER, MT_MSG_REPLY, "+ok", NULL));
    /* The direction matters; another protocol's command is not this one's. */
    CU_ASSERT_PTR_NULL(mt_explain(MT_PROTO_POP3, MT_DIR_SERVER, MT_MSG_REPLY, "USER", NULL));
    CU_ASSERT_PTR_NULL(mt_explain(MT_PROTO_POP3, MT_DIR_CLIENT, MT_MSG_COMMAND, "LOGIN", NULL));
    CU_ASSERT_PTR_NULL(mt_explain(MT_PROTO_SMTP, MT_DIR_CLIENT, MT_MSG_COMMAND, "LHLO", NULL));
    CU_ASSERT_PTR_NULL(mt_explain(MT_PROTO_SMTP, MT_DIR_SERVER, MT_MSG_REPLY, "25", NULL));
    CU_ASSERT_PTR_NULL(mt_explain(MT_PROTO_SMTP, MT_DIR_SERVER, MT_MSG_REPLY, "650", NULL));

    const char *m = mt_explain(MT_PROTO_IMAP, MT_DIR_CLIENT, MT_MSG_COMMAND, "LOGIN", &ref);
    CU_ASSERT_STRING_EQUAL(m, "sends the user name and password as typed; anyone on the path can "
                              "read them");
    CU_ASSERT_STRING_EQUAL(ref, "RFC 9051 6.2.3");
    env_restore();
}

static int same(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

static void test_kind_and_fallbacks(void)
{
    env_save();
    english();
    /* IMAP "+": a continuation, or a SASL challenge. */
    const char *cont = mt_explain(MT_PROTO_IMAP, MT_DIR_SERVER, MT_MSG_REPLY, "+", NULL);
    const char *chal = mt_explain(MT_PROTO_IMAP, MT_DIR_SERVER, MT_MSG_AUTH, "+", NULL);
    CU_ASSERT(cont && chal && !same(cont, chal));
    /* ManageSieve server "SASL": the capability line, or a challenge. */
    const char *cap = mt_explain(MT_PROTO_SIEVE, MT_DIR_SERVER, MT_MSG_REPLY, "SASL", NULL);
    const char *sch = mt_explain(MT_PROTO_SIEVE, MT_DIR_SERVER, MT_MSG_AUTH, "SASL", NULL);
    CU_ASSERT(cap && sch && !same(cap, sch));
    CU_ASSERT(same(sch, chal));
    /* Another kind than the row's still finds the label's row. */
    CU_ASSERT(same(mt_explain(MT_PROTO_POP3, MT_DIR_SERVER, MT_MSG_BODY, "+OK", NULL),
                   mt_explain(MT_PROTO_POP3, MT_DIR_SERVER, MT_MSG_REPLY, "+OK", NULL)));
    /* SMTP codes without a row of their own: by class. */
    const char *ref = NULL;
    const char *c299 = mt_explain(MT_PROTO_SMTP, MT_DIR_SERVER, MT_MSG_REPLY, "299", &ref);
    CU_ASSERT(c299 != NULL);
    CU_ASSERT(same(ref, "RFC 5321 4.2.1"));
    CU_ASSERT(same(c299, mt_explain(MT_PROTO_LMTP, MT_DIR_SERVER, MT_MSG_REPLY, "252", NULL)) == 0);
    CU_ASSERT(mt_explain(MT_PROTO_LMTP, MT_DIR_SERVER, MT_MSG_REPLY, "459", NULL) != NULL);
    /* LMTP: its own rows first, SMTP's for the rest. */
    mt_explain(MT_PROTO_LMTP, MT_DIR_SERVER, MT_MSG_REPLY, "250", &ref);
    CU_ASSERT(same(ref, "RFC 2033 4.2"));
    CU_ASSERT(!same(mt_explain(MT_PROTO_LMTP, MT_DIR_SERVER, MT_MSG_REPLY, "250", NULL),
                    mt_explain(MT_PROTO_SMTP, MT_DIR_SERVER, MT_MSG_REPLY, "250", NULL)));
    CU_ASSERT(same(mt_explain(MT_PROTO_LMTP, MT_DIR_SERVER, MT_MSG_REPLY, "535", NULL),
                   mt_explain(MT_PROTO_SMTP, MT_DIR_SERVER, MT_MSG_REPLY, "535", NULL)));
    env_restore();
}

/* --- translations ----------------------------------------------------------- */

/* A directory next to the test binary, or above it: build/locale beside
 * build/unit-tests, po/ two or three levels up. */
static int find_near_binary(const char *rel, char *out, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return 0;
    exe[n] = '\0';
    for (int up = 0; up < 4; up++) {
        char *slash = strrchr(exe, '/');
        if (!slash)
            return 0;
        *slash = '\0';
        int w = snprintf(out, cap, "%s/%s", exe, rel);
        if (w > 0 && (size_t)w < cap && access(out, R_OK) == 0)
            return 1;
    }
    return 0;
}

/* The msgid/msgstr pairs of one .po file, unescaped. */
#define PO_MAX 400
struct po {
    char id[PO_MAX][256], str[PO_MAX][256];
    size_t n;
};

static void po_append(char *dst, const char *quoted)
{
    const char *p = strchr(quoted, '"');
    if (!p)
        return;
    size_t len = strlen(dst);
    for (p++; *p && *p != '"' && len + 1 < 256; p++) {
        char c = *p;
        if (c == '\\' && p[1]) {
            c = *++p;
            if (c == 'n')
                c = '\n';
        }
        dst[len++] = c;
    }
    dst[len] = '\0';
}

static int po_read(const char *path, struct po *po)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[1024];
    char *cur = NULL;
    po->n = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "msgid ", 6) == 0 && po->n < PO_MAX) {
            po->id[po->n][0] = po->str[po->n][0] = '\0';
            cur = po->id[po->n];
            po_append(cur, line + 6);
        } else if (strncmp(line, "msgstr ", 7) == 0 && cur) {
            cur = po->str[po->n++];
            po_append(cur, line + 7);
        } else if (line[0] == '"' && cur) {
            po_append(cur, line);
        } else {
            cur = NULL;
        }
    }
    fclose(f);
    return 1;
}

static const char *po_find(const struct po *po, const char *id)
{
    for (size_t i = 0; i < po->n; i++)
        if (id[0] && strcmp(po->id[i], id) == 0)
            return po->str[i];
    return NULL;
}

#define MAX_LABELS 512
static char english_text[MAX_LABELS][256]; /* each label's meaning, in each_label's order */
static size_t english_n;

static void collect_english(const struct group *g, const char *label, void *arg)
{
    (void)arg;
    const char *m = mt_explain(g->proto, g->dir, g->kind, label, NULL);
    if (english_n < MAX_LABELS)
        snprintf(english_text[english_n++], sizeof english_text[0], "%s", m ? m : "");
}

struct lang_check {
    const struct po *po;
    size_t i, mismatches, translated;
};

static void check_translated(const struct group *g, const char *label, void *arg)
{
    struct lang_check *c = arg;
    const char *en = c->i < english_n ? english_text[c->i] : "";
    c->i++;
    const char *want = po_find(c->po, en);
    const char *got = mt_explain(g->proto, g->dir, g->kind, label, NULL);
    if (!want || !got || strcmp(want, got) != 0) {
        if (c->mismatches++ < 3)
            fprintf(stderr, "\n  %s \"%s\": got \"%s\", want \"%s\" (for \"%s\")\n",
                    mt_proto_name(g->proto), label, got ? got : "(null)", want ? want : "(null)", en);
    } else if (strcmp(got, en) != 0) {
        c->translated++;
    }
}

static struct po po_buf;

/* Under the environment set, every label's text is the msgstr of po/<lang>.po. */
static void expect_language(const char *lang)
{
    char path[PATH_MAX], rel[64];
    snprintf(rel, sizeof rel, "po/%s.po", lang);
    if (!find_near_binary(rel, path, sizeof path) || !po_read(path, &po_buf)) {
        CU_FAIL("po file not found");
        return;
    }
    mt_explain_init();
    const char *login = mt_explain(MT_PROTO_IMAP, MT_DIR_CLIENT, MT_MSG_COMMAND, "LOGIN", NULL);
    const char *en = "sends the user name and password as typed; anyone on the path can read them";
    CU_ASSERT(login && !same(login, en));
    CU_ASSERT(same(login, po_find(&po_buf, en)));
    struct lang_check c = {.po = &po_buf};
    each_label(check_translated, &c);
    CU_ASSERT_EQUAL(c.mismatches, 0);
    CU_ASSERT(c.translated > english_n / 2);
}

static void expect_english(void)
{
    mt_explain_init();
    CU_ASSERT(same(mt_explain(MT_PROTO_IMAP, MT_DIR_CLIENT, MT_MSG_COMMAND, "LOGIN", NULL),
                   "sends the user name and password as typed; anyone on the path can read them"));
}

static void test_languages(void)
{
    env_save();
    english();
    english_n = 0;
    each_label(collect_english, NULL);
    CU_ASSERT(english_n > 200 && english_n < MAX_LABELS);
    char dir[PATH_MAX];
    if (!find_near_binary("locale/pt_BR/LC_MESSAGES/mailtap.mo", dir, sizeof dir)) {
        CU_FAIL("catalogues not built next to the test binary (make builds them)");
        env_restore();
        return;
    }
    dir[strlen(dir) - strlen("/pt_BR/LC_MESSAGES/mailtap.mo")] = '\0';
    setenv("MAILTAP_LOCALEDIR", dir, 1);
    char ctype[128], numeric[128];
    snprintf(ctype, sizeof ctype, "%s", setlocale(LC_CTYPE, NULL));
    snprintf(numeric, sizeof numeric, "%s", setlocale(LC_NUMERIC, NULL));

    /* LANG of a locale most machines lack (Debian without locales-all). */
    env_set("pt_BR.UTF-8", NULL, NULL);
    expect_language("pt_BR");
    CU_ASSERT_STRING_EQUAL(mt_explain_localedir(), dir);
    env_set("C", "es_ES.UTF-8", NULL); /* LC_ALL over LANG */
    expect_language("es");
    env_set("fr_FR.UTF-8", NULL, NULL);
    expect_language("fr");
    env_set(NULL, NULL, "fr"); /* LANGUAGE alone */
    expect_language("fr");
    env_set("pt_BR.UTF-8", NULL, "es"); /* LANGUAGE first, as gettext reads it */
    expect_language("es");
    env_set("es", NULL, NULL);
    expect_language("es");
    env_set("C", NULL, NULL);
    expect_english();
    env_set("C", NULL, "fr"); /* LANGUAGE is ignored in the C locale */
    expect_english();
    env_set(NULL, NULL, NULL);
    expect_english();
    env_set("de_DE.UTF-8", NULL, NULL); /* no catalogue: English */
    expect_english();
    setenv("MAILTAP_LOCALEDIR", "/nonexistent/mailtap-locale", 1);
    env_set("pt_BR.UTF-8", NULL, NULL);
    expect_english();

    /* Only LC_MESSAGES was touched. */
    CU_ASSERT_STRING_EQUAL(setlocale(LC_CTYPE, NULL), ctype);
    CU_ASSERT_STRING_EQUAL(setlocale(LC_NUMERIC, NULL), numeric);
    env_restore();
}

/* Without MAILTAP_LOCALEDIR: the installed directory if it has a catalogue,
 * else the one next to the binary. */
static void test_locale_dir_found(void)
{
    env_save();
    unsetenv("MAILTAP_LOCALEDIR");
    env_set("C", NULL, NULL);
    mt_explain_init();
    const char *dir = mt_explain_localedir();
    CU_ASSERT_PTR_NOT_NULL(dir);
    char mo[PATH_MAX + 64];
    snprintf(mo, sizeof mo, "%s/pt_BR/LC_MESSAGES/mailtap.mo", dir ? dir : "");
    CU_ASSERT(access(mo, R_OK) == 0);
    env_restore();
}

int register_explain_suite(void)
{
    CU_pSuite s = CU_add_suite("explain", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "every label has a meaning and a reference", test_every_label_explained) ||
        !CU_add_test(s, "lookup is exact", test_exact_lookup) ||
        !CU_add_test(s, "kinds, reply classes and LMTP", test_kind_and_fallbacks) ||
        !CU_add_test(s, "LANG, LC_ALL, LANGUAGE pick the catalogue", test_languages) ||
        !CU_add_test(s, "the locale directory is found", test_locale_dir_found))
        return -1;
    return 0;
}
