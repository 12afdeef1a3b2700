/* Where the translations of the explanations come from and which language
 * they are in: binds the "mailtap" text domain to its catalogues and sets
 * LC_MESSAGES (only that category) from the environment, also when the
 * locale asked for is not installed on the machine. */
#include "mailtap/explain.h"

#include <dirent.h>
#include <libintl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef MT_LOCALEDIR
#define MT_LOCALEDIR "/usr/local/share/locale"
#endif

#define DOMAIN "mailtap"

static char bound_dir[PATH_MAX];
static int bound;
/* The LANGUAGE this file put in the environment, so that calling
 * mt_explain_init() again does not take it for the user's choice. */
static char our_language[64];

/* Whether dir holds a catalogue of ours: dir/<lang>/LC_MESSAGES/mailtap.mo. */
static int has_catalogue(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int found = 0;
    const struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[PATH_MAX];
        int n = snprintf(path, sizeof path, "%s/%s/LC_MESSAGES/" DOMAIN ".mo", dir, e->d_name);
        found = n > 0 && (size_t)n < sizeof path && access(path, R_OK) == 0;
    }
    closedir(d);
    return found;
}

/* Next to the running binary: build/locale beside ./mailtap in the source
 * tree, locale/ beside a binary in a build directory (build/unit-tests,
 * build/sanitize/mailtap). */
static int beside_binary(char *out, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return 0;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return 0;
    *slash = '\0';
    static const char *const below[] = {"build/locale", "locale"};
    for (size_t i = 0; i < sizeof below / sizeof below[0]; i++) {
        int w = snprintf(out, cap, "%s/%s", exe, below[i]);
        if (w > 0 && (size_t)w < cap && has_catalogue(out))
            return 1;
    }
    return 0;
}

static void pick_dir(void)
{
    const char *env = getenv("MAILTAP_LOCALEDIR");
    if (env && env[0])
        snprintf(bound_dir, sizeof bound_dir, "%s", env);
    else if (has_catalogue(MT_LOCALEDIR) || !beside_binary(bound_dir, sizeof bound_dir))
        snprintf(bound_dir, sizeof bound_dir, "%s", MT_LOCALEDIR);
}

/* The locale the environment names for LC_MESSAGES, as setlocale() reads
 * it: the first of LC_ALL, LC_MESSAGES, LANG that is set and not empty. */
static const char *wanted_locale(void)
{
    static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && v[0])
            return v;
    }
    return NULL;
}

/* "pt_BR.UTF-8@euro" -> "pt_BR"; 0 for C, POSIX or anything that is not
 * a language name. */
static int language_of(const char *locale, char *out, size_t cap)
{
    size_t n = strcspn(locale, ".@");
    if (n == 0 || n >= cap)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = locale[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'))
            return 0;
    }
    memcpy(out, locale, n);
    out[n] = '\0';
    return strcmp(out, "C") != 0 && strcmp(out, "POSIX") != 0;
}

/* LC_MESSAGES as a C locale that is not exactly "C": glibc's gettext
 * ignores LANGUAGE only in the locale named "C". */
static int messages_c_utf8(void)
{
    return setlocale(LC_MESSAGES, "C.UTF-8") != NULL || setlocale(LC_MESSAGES, "C.utf8") != NULL;
}

static void pick_language(void)
{
    const char *language = getenv("LANGUAGE");
    if (language && our_language[0] && strcmp(language, our_language) == 0) {
        unsetenv("LANGUAGE"); /* ours from an earlier call, not the user's */
        language = NULL;
    }
    our_language[0] = '\0';
    int user_language = language && language[0];
    const char *want = wanted_locale();

    if (setlocale(LC_MESSAGES, "") != NULL) {
        /* Installed (or C). With no locale named at all, LANGUAGE alone
         * still picks the language. */
        const char *now = setlocale(LC_MESSAGES, NULL);
        if (!want && user_language && now && strcmp(now, "C") == 0)
            messages_c_utf8();
        return;
    }
    /* The locale named is not installed here: messages in a C locale, and
     * the language from its name unless LANGUAGE already says one. */
    if (!messages_c_utf8()) {
        setlocale(LC_MESSAGES, "C");
        return;
    }
    char lang[sizeof our_language];
    if (!user_language && want && language_of(want, lang, sizeof lang) &&
        setenv("LANGUAGE", lang, 1) == 0)
        memcpy(our_language, lang, sizeof lang);
}

void mt_explain_init(void)
{
    pick_dir();
    bindtextdomain(DOMAIN, bound_dir);
    bind_textdomain_codeset(DOMAIN, "UTF-8");
    bound = 1;
    pick_language();
    /* Forget translations looked up before: the cache of glibc's gettext
     * does not see LANGUAGE change under the same LC_MESSAGES. Setting the
     * default domain to itself is the documented way to say so. */
    const char *current = textdomain(NULL);
    if (current)
        textdomain(current);
}

const char *mt_explain_localedir(void) { return bound ? bound_dir : NULL; }
