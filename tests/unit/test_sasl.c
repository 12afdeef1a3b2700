/* The SASL observer's state machine and interface, whatever the mechanism: names,
 * begin and reset, invalid base64, oversized messages, the decoded view, a fuzz run.
 * Registers the one "sasl" suite, with the tests of each mechanism family. */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "mailtap/base64.h"
#include "mailtap/sasl.h"
#include "suites.h"
#include "test_sasl.h"

/* --- names, begin ---------------------------------------------------------------- */

static void test_unknown_mechanism(void)
{
    struct mt_sasl *s = start("x-vendor");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    CU_ASSERT_STRING_EQUAL(c->mech, "X-VENDOR");
    CU_ASSERT(!mt_sasl_has_credential(s)); /* named, but the client has said nothing */
    /* What it sends is not read, but may hold a secret: masked, and the
     * exchange is a login with no secret. */
    CU_ASSERT_EQUAL(CLI(s, "\0tim\0secret"), MT_SASL_EXPOSES_SECRET);
    SRV(s, "anything");
    CU_ASSERT_EQUAL(CLI(s, "user=a\x01" "auth=Bearer t\x01\x01"), MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(ABSENT(c->user) && ABSENT(c->password) && ABSENT(c->authzid));
    CU_ASSERT(ABSENT(c->domain) && ABSENT(c->host) && !c->hash.present);
    CU_ASSERT(mt_sasl_has_credential(s));
    /* Invalid base64 is still reported. */
    CU_ASSERT(!c->invalid_base64);
    cli64(s, "%%%%");
    CU_ASSERT(c->invalid_base64);

    /* A name longer than MT_SASL_MECH_MAX is cut and never matched. */
    char name[48];
    memcpy(name, "PLAIN", 5);
    memset(name + 5, 'X', sizeof name - 5);
    mt_sasl_begin(s, (const uint8_t *)name, sizeof name);
    CU_ASSERT_EQUAL(strlen(c->mech), MT_SASL_MECH_MAX);
    CU_ASSERT(strncmp(c->mech, "PLAINXXX", 8) == 0);
    CU_ASSERT_EQUAL(CLI(s, "\0tim\0secret"), MT_SASL_EXPOSES_SECRET); /* not read: may hold a secret */
    CU_ASSERT(ABSENT(c->user));
    memcpy(name, "SCRAM-", 6);
    mt_sasl_begin(s, (const uint8_t *)name, sizeof name);
    CU_ASSERT(strncmp(c->mech, "SCRAM-XXX", 9) == 0);
    CU_ASSERT_EQUAL(CLI(s, "n,,n=user,r=x"), MT_SASL_EXPOSES_SECRET); /* not read: may hold a secret */
    CU_ASSERT(ABSENT(c->user));
    /* Exactly MT_SASL_MECH_MAX characters is kept whole. */
    memset(name, 'Y', MT_SASL_MECH_MAX);
    mt_sasl_begin(s, (const uint8_t *)name, MT_SASL_MECH_MAX);
    CU_ASSERT_EQUAL(strlen(c->mech), MT_SASL_MECH_MAX);
    /* Controls and spaces become '?'; "PLAIN\0" is not PLAIN. */
    mt_sasl_begin(s, (const uint8_t *)"PL\x1b[2J N", 8);
    CU_ASSERT_STRING_EQUAL(c->mech, "PL?[2J?N");
    mt_sasl_begin(s, (const uint8_t *)"PLAIN\0", 6);
    CU_ASSERT_STRING_EQUAL(c->mech, "PLAIN?");
    CU_ASSERT_EQUAL(CLI(s, "\0tim\0secret"), MT_SASL_EXPOSES_SECRET); /* not read: may hold a secret */
    /* An empty name. */
    mt_sasl_begin(s, (const uint8_t *)"", 0);
    CU_ASSERT_STRING_EQUAL(c->mech, "");
    CU_ASSERT_EQUAL(CLI(s, "\0tim\0secret"), MT_SASL_EXPOSES_SECRET); /* not read: may hold a secret */
    mt_sasl_free(s);
}

static void test_begin_resets(void)
{
    struct mt_sasl *s = start("PLAIN");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    CLI(s, "a\0b\0c");
    cli64(s, "!!!!");
    cli64(s, "*");
    CU_ASSERT(c->user.present && c->invalid_base64 && c->cancelled);
    mt_sasl_begin(s, (const uint8_t *)"CRAM-MD5", 8);
    CU_ASSERT(ABSENT(c->user) && ABSENT(c->authzid) && ABSENT(c->password));
    CU_ASSERT(!c->invalid_base64 && !c->cancelled && !c->hash.present && c->hash_format == NULL);
    CU_ASSERT(!mt_sasl_has_credential(s));
    /* The CRAM-MD5 challenge of one exchange does not serve the next. */
    srv64(s, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
    mt_sasl_begin(s, (const uint8_t *)"CRAM-MD5", 8);
    cli64(s, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
    CU_ASSERT(!c->hash.present);
    mt_sasl_free(s);
    mt_sasl_free(NULL);
}

/* --- hostile input ------------------------------------------------------------ */

static void test_invalid_base64_not_fatal(void)
{
    static const char *mechs[] = {"PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "XOAUTH2", "OAUTHBEARER",
                                  "NTLM", "EXTERNAL", "ANONYMOUS", "SCRAM-SHA-256"};
    static const char *junk[] = {"dGlt!", "dGl", "dG==dGlt", "d G l t", "dGlt\r\n", "==", "**"};
    for (size_t i = 0; i < sizeof mechs / sizeof mechs[0]; i++) {
        for (size_t j = 0; j < sizeof junk / sizeof junk[0]; j++) {
            struct mt_sasl *s = start(mechs[i]);
            const struct mt_sasl_cred *c = mt_sasl_cred(s);
            CU_ASSERT_EQUAL(cli64(s, junk[j]), 0);
            CU_ASSERT(c->invalid_base64);
            CU_ASSERT(!c->cancelled);
            CU_ASSERT(ABSENT(c->user) && ABSENT(c->password));
            CU_ASSERT(!mt_sasl_has_credential(s));
            mt_sasl_free(s);
        }
    }
    /* The exchange goes on after a bad message. */
    struct mt_sasl *s = start("LOGIN");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    srv64(s, "VXNlcm5hbWU6!");
    CU_ASSERT(c->invalid_base64);
    CU_ASSERT_EQUAL(cli64(s, "dGlt"), MT_SASL_EXPOSES_USER);
    CU_ASSERT_EQUAL(cli64(s, "cHc="), MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(IS(c->user, "tim"));
    CU_ASSERT(IS(c->password, "pw"));
    CU_ASSERT(c->invalid_base64); /* sticky */
    mt_sasl_free(s);
}

static void test_oversized_messages(void)
{
    struct mt_sasl *s = start("PLAIN");
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    uint8_t *big = malloc(40000);
    CU_ASSERT_FATAL(big != NULL);

    /* Passwords of MT_SASL_SECRET_MAX bytes and one more. */
    memcpy(big, "\0bob\0", 5);
    memset(big + 5, 'p', 40000 - 5);
    cli(s, big, 5 + MT_SASL_SECRET_MAX);
    CU_ASSERT(c->password.present && !c->password.truncated && c->password.len == MT_SASL_SECRET_MAX);
    mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
    cli(s, big, 5 + MT_SASL_SECRET_MAX + 1);
    CU_ASSERT(c->password.truncated && c->password.len == MT_SASL_SECRET_MAX);

    /* A message larger than any internal buffer (decoded cut): the user is
     * whole, the password cut and marked. */
    static const size_t sizes[] = {8190, 8191, 8192, 8193, 8194, 8195, 10000, 39999};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
        CU_ASSERT_EQUAL(cli(s, big, sizes[i]), MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET);
        CU_ASSERT(IS(c->user, "bob"));
        CU_ASSERT(c->password.truncated && c->password.len == MT_SASL_SECRET_MAX);
        CU_ASSERT(!c->invalid_base64);
        CU_ASSERT(c->password.p[MT_SASL_SECRET_MAX - 1] == 'p');
    }
    /* A huge message that turns invalid at its very end. */
    mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
    size_t len;
    char *t = b64(big, 30000, &len);
    t[len - 1] = '!';
    CU_ASSERT_EQUAL(mt_sasl_client(s, (const uint8_t *)t, len), 0);
    CU_ASSERT(c->invalid_base64 && ABSENT(c->password));
    /* Or with padding in the middle of the huge message. */
    mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
    t[len - 1] = 'A';
    t[len / 2 / 4 * 4 + 3] = '=';
    CU_ASSERT_EQUAL(mt_sasl_client(s, (const uint8_t *)t, len), 0);
    CU_ASSERT(c->invalid_base64);
    free(t);

    /* A user longer than MT_SASL_FIELD_MAX. */
    mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
    memset(big, 'u', 1000);
    big[1000] = 0;
    memcpy(big + 1001, "pw", 2);
    cli(s, big, 1003);
    CU_ASSERT(c->user.truncated && c->user.len == MT_SASL_FIELD_MAX);
    CU_ASSERT(IS(c->password, "pw"));

    /* LOGIN: a user longer than everything. */
    mt_sasl_begin(s, (const uint8_t *)"LOGIN", 5);
    cli(s, big, 20000);
    CU_ASSERT(c->user.truncated && c->user.len == MT_SASL_FIELD_MAX);

    /* XOAUTH2: a token just too long for MT_SASL_SECRET_MAX, and one
     * longer than the message buffer. */
    static const size_t tokens[] = {MT_SASL_SECRET_MAX, MT_SASL_SECRET_MAX + 1, 30000};
    for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
        mt_sasl_begin(s, (const uint8_t *)"XOAUTH2", 7);
        size_t n = 0;
        memcpy(big, "user=u@h\x01" "auth=Bearer ", 21);
        n = 21;
        memset(big + n, 'T', tokens[i]);
        n += tokens[i];
        memcpy(big + n, "\x01\x01", 2);
        cli(s, big, n + 2);
        CU_ASSERT(IS(c->user, "u@h"));
        CU_ASSERT_EQUAL(c->password.len, MT_SASL_SECRET_MAX);
        CU_ASSERT_EQUAL(c->password.truncated, tokens[i] > MT_SASL_SECRET_MAX);
    }
    /* OAUTHBEARER, the same. */
    mt_sasl_begin(s, (const uint8_t *)"OAUTHBEARER", 11);
    memcpy(big, "n,a=u@h,\x01" "auth=Bearer ", 21);
    memset(big + 21, 'T', 20000);
    cli(s, big, 21 + 20000);
    CU_ASSERT(IS(c->user, "u@h"));
    CU_ASSERT(c->password.truncated && c->password.len == MT_SASL_SECRET_MAX);

    /* CRAM-MD5: a line too long to be of use is abandoned, and says so. */
    mt_sasl_begin(s, (const uint8_t *)"CRAM-MD5", 8);
    srv64(s, "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+");
    memset(big, 'u', 3000);
    memcpy(big + 3000, " b913a602c7eda7a495b4e6e7334d3890", 33);
    cli(s, big, 3033);
    CU_ASSERT(c->user.truncated && c->user.len == MT_SASL_FIELD_MAX);
    CU_ASSERT(!c->hash.present && c->hash.truncated && c->hash_format == NULL);

    /* DIGEST-MD5: a realm too long for its field still makes a whole line;
     * one too long for the line makes none. */
    static const size_t realms[] = {1000, 3000};
    for (size_t i = 0; i < 2; i++) {
        mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
        size_t n = 0;
        memcpy(big, "username=\"u\",realm=\"", 20);
        n = 20;
        memset(big + n, 'r', realms[i]);
        n += realms[i];
        static const char rest[] = "\",nonce=\"n\",nc=1,cnonce=\"c\",digest-uri=\"i/h\",response=abcd";
        memcpy(big + n, rest, sizeof rest - 1);
        n += sizeof rest - 1;
        cli(s, big, n);
        CU_ASSERT(c->domain.truncated && c->domain.len == MT_SASL_FIELD_MAX);
        CU_ASSERT_EQUAL(c->hash.present, realms[i] == 1000);
        /* "$DIGEST-MD5" "$u" "$" realm "$n" "$i/h" "$c" "$1" "$auth" "$abcd" */
        CU_ASSERT_EQUAL(c->hash.len, realms[i] == 1000 ? 34 + 1000 : 0);
    }

    /* A DIGEST-MD5 response cut by the message buffer gives no line (the
     * same response, short, gives one). */
    static const char head[] = "username=\"u\",nonce=\"n\",nc=1,cnonce=\"c\",digest-uri=\"i/h\",response=abcd,x=";
    memcpy(big, head, sizeof head - 1);
    memset(big + sizeof head - 1, 'x', 20000);
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    cli(s, big, sizeof head - 1 + 10);
    CU_ASSERT(c->hash.present);
    mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
    cli(s, big, sizeof head - 1 + 20000);
    CU_ASSERT(IS(c->user, "u"));
    CU_ASSERT(!c->hash.present);
    /* A field that fits but runs into the cut is marked too: an authzid
     * of 8000 bytes pushes a 1000-byte password past the message buffer. */
    mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
    memset(big, 'z', 8000);
    memcpy(big + 8000, "\0bob\0", 5);
    memset(big + 8005, 'p', 1000);
    cli(s, big, 9005);
    CU_ASSERT(c->authzid.truncated && c->authzid.len == MT_SASL_FIELD_MAX);
    CU_ASSERT(IS(c->user, "bob"));
    CU_ASSERT(c->password.present && c->password.truncated);
    CU_ASSERT(c->password.len > 0 && c->password.len < 1000);
    /* The same, uncut: whole. */
    mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
    cli(s, big + 7000, 2005);
    CU_ASSERT(c->password.present && !c->password.truncated && c->password.len == 1000);

    /* The crackable line: MT_SASL_HASH_MAX - 1 characters fit (with the
     * NUL), one more does not. The DIGEST-MD5 line is 34 + realm long. */
    static const size_t lines[] = {MT_SASL_HASH_MAX - 1, MT_SASL_HASH_MAX};
    for (size_t i = 0; i < 2; i++) {
        mt_sasl_begin(s, (const uint8_t *)"DIGEST-MD5", 10);
        size_t n = 0, r = lines[i] - 34;
        memcpy(big, "username=\"u\",realm=\"", 20);
        n = 20;
        memset(big + n, 'r', r);
        n += r;
        static const char rest[] = "\",nonce=\"n\",nc=1,cnonce=\"c\",digest-uri=\"i/h\",response=abcd";
        memcpy(big + n, rest, sizeof rest - 1);
        n += sizeof rest - 1;
        cli(s, big, n);
        CU_ASSERT_EQUAL(c->hash.present, i == 0);
        CU_ASSERT_EQUAL(c->hash.truncated, i == 1);
        CU_ASSERT_EQUAL(c->hash.len, i == 0 ? MT_SASL_HASH_MAX - 1 : 0);
        if (i == 0)
            CU_ASSERT_EQUAL(strlen((const char *)c->hash.p), MT_SASL_HASH_MAX - 1);
    }

    /* Padding is only valid at the very end, however long the text: here
     * ending a kilobyte of a message too big to decode at once, inside and
     * past the part that is decoded. */
    static const size_t pads[] = {1020, 5116, 11260};
    for (size_t i = 0; i < sizeof pads / sizeof pads[0]; i++) {
        mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
        memset(big, 'A', 12000);
        memcpy(big + pads[i], "AA==", 4);
        CU_ASSERT_EQUAL(mt_sasl_client(s, big, 12000), 0);
        CU_ASSERT(c->invalid_base64);
        memcpy(big + pads[i], "AAAA", 4); /* control: valid */
        mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
        mt_sasl_client(s, big, 12000);
        CU_ASSERT(!c->invalid_base64);
    }
    free(big);
    mt_sasl_free(s);
}

/* --- the decoded view ------------------------------------------------------- */

/* What each message decodes to, for showing it: the bytes, or an NTLM
 * message in words; nothing for "*", "=", or text that is not base64. */
static int decoded_is(const struct mt_sasl *s, const char *want)
{
    size_t n = 0;
    int cut = 1;
    const uint8_t *d = mt_sasl_decoded(s, &n, &cut);
    if (!want)
        return d == NULL;
    return d && !cut && n == strlen(want) && memcmp(d, want, n) == 0;
}

static void test_decoded_messages(void)
{
    struct mt_sasl *s = start("PLAIN");
    CU_ASSERT(decoded_is(s, NULL)); /* nothing fed yet */
    CLI(s, "\0bob\0pw");
    size_t n = 0;
    int cut = 1;
    const uint8_t *d = mt_sasl_decoded(s, &n, &cut);
    CU_ASSERT(d && n == 7 && !cut && memcmp(d, "\0bob\0pw", 7) == 0);
    mt_sasl_client(s, (const uint8_t *)"*", 1);
    CU_ASSERT(decoded_is(s, NULL));
    mt_sasl_client(s, (const uint8_t *)"=", 1);
    CU_ASSERT(decoded_is(s, NULL));
    mt_sasl_server(s, (const uint8_t *)"not*base64", 10);
    CU_ASSERT(decoded_is(s, NULL));
    SRV(s, "Username:");
    CU_ASSERT(decoded_is(s, "Username:"));
    mt_sasl_begin(s, (const uint8_t *)"LOGIN", 5);
    CU_ASSERT(decoded_is(s, NULL)); /* a new exchange forgets the last one */
    mt_sasl_free(s);

    /* LOGIN answers by the prompt: "Password:" first makes it the password. */
    s = start("LOGIN");
    SRV(s, "Password:");
    CU_ASSERT_EQUAL(CLI(s, "pw-first"), MT_SASL_EXPOSES_SECRET);
    CU_ASSERT(mt_sasl_decoded_secret(s));
    SRV(s, "Username:");
    CU_ASSERT_EQUAL(CLI(s, "bob"), MT_SASL_EXPOSES_USER);
    CU_ASSERT(!mt_sasl_decoded_secret(s)); /* a name alone stays readable */
    CU_ASSERT(IS(mt_sasl_cred(s)->user, "bob"));
    CU_ASSERT(IS(mt_sasl_cred(s)->password, "pw-first"));
    SRV(s, "Username:");
    CU_ASSERT(!mt_sasl_decoded_secret(s)); /* the server's */
    mt_sasl_free(s);

    /* What could not be read is hidden: an unknown mechanism, a PLAIN
     * message without its NULs. */
    s = start("X-FOO");
    CU_ASSERT_EQUAL(CLI(s, "user secret"), MT_SASL_EXPOSES_SECRET); /* not read: may hold a secret */
    CU_ASSERT(mt_sasl_decoded_secret(s));
    mt_sasl_begin(s, (const uint8_t *)"PLAIN", 5);
    CLI(s, "no-nuls-here");
    CU_ASSERT(mt_sasl_decoded_secret(s));
    mt_sasl_free(s);

    /* DIGEST-MD5 is shown as it came, though its parser unquotes in place. */
    s = start("DIGEST-MD5");
    SRV(s, "realm=\"a\\\"b\",nonce=\"N1\"");
    CU_ASSERT(decoded_is(s, "realm=\"a\\\"b\",nonce=\"N1\""));
    mt_sasl_free(s);

    s = start("NTLM");
    unsigned flags;
    CLI(s, "NTLMSSP\0\x01\0\0\0\x07\x82\x08\xa2\0\0\0\0\0\0\0\0");
    CU_ASSERT(decoded_is(s, "NTLM NEGOTIATE message (24 bytes)"));
    hex_msg(s, v2_challenge, 1, NULL);
    CU_ASSERT(decoded_is(s, "NTLM CHALLENGE message (104 bytes): server challenge 0123456789abcdef"));
    hex_msg(s, v2_authenticate, 0, &flags);
    CU_ASSERT(decoded_is(s, "NTLM AUTHENTICATE message (232 bytes): NTLMv2 response (84 bytes), "
                            "domain Domain, user User, workstation COMPUTER"));
    /* A type 3 from the server is not described with the client's names. */
    hex_msg(s, v2_authenticate, 1, NULL);
    d = mt_sasl_decoded(s, &n, &cut);
    CU_ASSERT(d && n == 232 && memcmp(d, "NTLMSSP", 8) == 0);
    CLI(s, "NTLMSSP\0\x09\0\0\0"); /* no such type: its bytes */
    CU_ASSERT(decoded_is(s, NULL) == 0);
    d = mt_sasl_decoded(s, &n, &cut);
    CU_ASSERT(d && n == 12 && memcmp(d, "NTLMSSP", 8) == 0);
    mt_sasl_free(s);
}

/* --- fuzz ------------------------------------------------------------------------ */

static uint32_t rng = 0x9e3779b9u;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* Every field within its bound, absent fields empty, the hash line a
 * NUL-terminated printable string with a format, the mechanism a short C
 * string, and the flags limited to the two defined. */
static int sane(const struct mt_sasl *s, unsigned flags)
{
    const struct mt_sasl_cred *c = mt_sasl_cred(s);
    if (!memchr(c->mech, 0, sizeof c->mech))
        return 0;
    const struct {
        const struct mt_sasl_str *f;
        size_t cap;
    } f[] = {{&c->user, MT_SASL_FIELD_MAX},    {&c->authzid, MT_SASL_FIELD_MAX},
             {&c->password, MT_SASL_SECRET_MAX}, {&c->domain, MT_SASL_FIELD_MAX},
             {&c->host, MT_SASL_FIELD_MAX},    {&c->hash, MT_SASL_HASH_MAX - 1}};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (f[i].f->len > f[i].cap || (!f[i].f->present && f[i].f->len != 0) || !f[i].f->p)
            return 0;
    if (c->hash.present) {
        if (!c->hash_format || strlen((const char *)c->hash.p) != c->hash.len)
            return 0;
        for (size_t i = 0; i < c->hash.len; i++)
            if (c->hash.p[i] < 0x20 || c->hash.p[i] > 0x7e)
                return 0;
    } else if (c->hash_format) {
        return 0;
    }
    if (flags & ~(unsigned)(MT_SASL_EXPOSES_USER | MT_SASL_EXPOSES_SECRET))
        return 0;
    if ((flags & MT_SASL_EXPOSES_USER) && !c->user.present)
        return 0;
    return 1;
}

/* Puts a few bytes that mean something to some parser at random places. */
static size_t poke(uint8_t *m, size_t n)
{
    static const uint8_t special[] = {0, 1, ',', '=', '"', '\\', ' ', '$', ':', 0xd8, 0xdc, 0xff};
    for (int k = 1 + next() % 4; k > 0 && n > 0; k--)
        m[next() % n] = special[next() % sizeof special];
    return n;
}

static size_t mutate(uint8_t *m, size_t cap, const uint8_t *seed, size_t n)
{
    static const uint32_t extremes[] = {0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0xffffffff};
    if (n > cap)
        n = cap;
    memcpy(m, seed, n);
    switch (next() % 8) {
    case 0: /* random bytes */
        n = next() % 300;
        for (size_t i = 0; i < n; i++)
            m[i] = (uint8_t)next();
        return n;
    case 1: /* truncate */
        return n ? next() % n : 0;
    case 2: /* 16- or 32-bit extremes, or values near the length */
        for (int k = 1 + next() % 3; k > 0 && n >= 4; k--) {
            size_t at = next() % (n - 3);
            uint32_t v = next() % 2 ? extremes[next() % 10] : (uint32_t)(n + next() % 5 - 2);
            if (next() % 2)
                put32(m + at, v);
            else
                put16(m + at, v);
        }
        return n;
    case 3: /* grow past the fields' and the internal buffers */
        if (next() % 8 == 0) {
            size_t want = 8000 + next() % 4000;
            for (size_t i = n; i < want && i < cap; i++)
                m[i] = (uint8_t)(seed[i % n] ^ (next() % 16 == 0 ? next() : 0));
            return want < cap ? want : cap;
        }
        if (next() % 4 == 0) { /* a run of one byte inside a field */
            size_t at = next() % (n + 1), run = 400 + next() % 9000;
            if (run > cap - n)
                run = cap - n;
            memmove(m + at + run, m + at, n - at);
            memset(m + at, at < n ? m[at + run] : 'x', run);
            return n + run;
        }
        return poke(m, n);
    case 4:
        return poke(m, n);
    default: /* flip a few bits */
        for (int k = 1 + next() % 4; k > 0 && n > 0; k--)
            m[next() % n] ^= (uint8_t)(1u << next() % 8);
        return n;
    }
}

struct seed {
    const char *mech;
    const uint8_t *server; /* NULL: no server message */
    size_t server_len;
    const uint8_t *client;
    size_t client_len;
};

static void fuzz_one(struct mt_sasl *s, const struct seed *sd, uint8_t *m, size_t cap, char *text,
                     int *bad, int iterations)
{
    for (int it = 0; it < iterations; it++) {
        if (it % 6 == 0) {
            mt_sasl_begin(s, (const uint8_t *)sd->mech, strlen(sd->mech));
            if (sd->server_len && next() % 4)
                srv(s, sd->server, sd->server_len);
        }
        int server = next() % 4 == 0;
        const uint8_t *seed = server && sd->server_len ? sd->server : sd->client;
        size_t seed_len = server && sd->server_len ? sd->server_len : sd->client_len;
        size_t n = mutate(m, cap, seed, seed_len);
        unsigned flags = 0;
        uint32_t how = next() % 16;
        if (how == 0) { /* as text, not base64 */
            for (size_t i = 0; i < n; i++)
                text[i] = (char)m[i];
            if (server)
                mt_sasl_server(s, (const uint8_t *)text, n);
            else
                flags = mt_sasl_client(s, (const uint8_t *)text, n);
        } else if (how == 1) { /* base64 damaged in one place */
            size_t e = mt_base64_encode(m, n, text);
            if (e)
                text[next() % e] = "=*!A\n"[next() % 5];
            if (server)
                mt_sasl_server(s, (const uint8_t *)text, e);
            else
                flags = mt_sasl_client(s, (const uint8_t *)text, e);
        } else if (server) {
            srv(s, m, n);
        } else {
            flags = cli(s, m, n);
        }
        if (!sane(s, flags))
            (*bad)++;
        (void)mt_sasl_has_credential(s);
    }
}

static void test_fuzz(void)
{
    enum { CAP = 12000 };
    uint8_t *m = malloc(CAP), v1c[256], v1a[256], v2c[256], v2a[256];
    char *text = malloc(4 * ((CAP + 2) / 3) + 1);
    CU_ASSERT_FATAL(m && text);
    from_hex(v1_challenge, strlen(v1_challenge), v1c);
    from_hex(v1_authenticate, strlen(v1_authenticate), v1a);
    from_hex(v2_challenge, strlen(v2_challenge), v2c);
    from_hex(v2_authenticate, strlen(v2_authenticate), v2a);
#define S(x) (const uint8_t *)(x), sizeof(x) - 1
    static const char digest_c[] = "charset=utf-8,username=\"chris\",realm=\"elwood.innosoft.com\","
                                   "nonce=\"OA6MG9tEQGm2hh\",nc=00000001,cnonce=\"OA6MHXh6VqTrRk\","
                                   "digest-uri=\"imap/elwood.innosoft.com\",response=d388dad90d4bbd760a"
                                   "152321f2143af7,qop=auth,authzid=\"a\\\"b\"";
    const struct seed seeds[] = {
        {"PLAIN", NULL, 0, S("Ursel\0Kurt\0xipj3plmq")},
        {"LOGIN", S("Username:"), S("tim")},
        {"CRAM-MD5", S("<1896.697170952@postoffice.reston.mci.net>"),
         S("tim b913a602c7eda7a495b4e6e7334d3890")},
        {"DIGEST-MD5", S(RFC2831_CHALLENGE), S(digest_c)},
        {"XOAUTH2", S("{\"status\":\"401\"}"),
         S("user=someuser@example.com\x01" "auth=Bearer " GOOGLE_TOKEN "\x01\x01")},
        {"OAUTHBEARER", S("{\"status\":\"invalid_token\"}"),
         S("n,a=us=2Cer@example.com,\x01host=server.example.com\x01port=143\x01"
           "auth=Bearer vF9dft4q\x01\x01")},
        {"NTLM", v1c, sizeof v1_challenge / 2, v1a, sizeof v1_authenticate / 2},
        {"NTLM", v2c, sizeof v2_challenge / 2, v2a, sizeof v2_authenticate / 2},
        {"EXTERNAL", NULL, 0, S("admin")},
        {"ANONYMOUS", NULL, 0, S("sirhc")},
        {"SCRAM-SHA-256",
         S("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"),
         S("n,a=x=3D,n=user,r=rOprNGfwEbeRWgbNEkqO")},
        {"GSSAPI", S("challenge"), S("response")},
    };
#undef S
    int bad = 0;
    struct mt_sasl *s = mt_sasl_new();
    CU_ASSERT_FATAL(s != NULL);
    rng = 0x9e3779b9u;
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
        fuzz_one(s, &seeds[i], m, CAP, text, &bad, 20000);
    CU_ASSERT_EQUAL(bad, 0);
    mt_sasl_free(s);
    free(m);
    free(text);
}

int register_sasl_suite(void)
{
    static const CU_TestInfo tests[] = {
        {"unknown and odd mechanism names", test_unknown_mechanism},
        {"begin resets everything", test_begin_resets},
        {"invalid base64 reported, not fatal", test_invalid_base64_not_fatal},
        {"oversized messages and fields", test_oversized_messages},
        {"messages as decoded, NTLM in words", test_decoded_messages},
        {"fuzz: 20000 messages per mechanism", test_fuzz},
    };
    CU_pSuite s = CU_add_suite("sasl", NULL, NULL);
    if (!s)
        return -1;
    if (sasl_add_helper_tests(s) || sasl_add_cleartext_tests(s) || sasl_add_challenge_tests(s) ||
        sasl_add_oauth_tests(s) || sasl_add_ntlm_tests(s) || sasl_add_identity_tests(s))
        return -1;
    return sasl_add_tests(s, tests, sizeof tests / sizeof tests[0]);
}
