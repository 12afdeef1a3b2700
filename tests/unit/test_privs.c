/* Privilege dropping. Whom to become is a pure decision, tested directly.
 * Becoming someone cannot be undone, so those tests run in a child process,
 * and only as root (make check in CI runs as root): the child checks its
 * ids, its capabilities, and that what needed root no longer works. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mailtap/privs.h"
#include "suites.h"

static void test_target(void)
{
    /* Not root: nothing to give up, -Z or not. */
    CU_ASSERT_PTR_NULL(mt_privs_target(NULL, 1, 0));
    CU_ASSERT_PTR_NULL(mt_privs_target("nobody", 1, 0));
    CU_ASSERT_PTR_NULL(mt_privs_target("daemon", 0, 0));
    /* Root, live: nobody by default, or the -Z user. */
    CU_ASSERT_STRING_EQUAL(mt_privs_target(NULL, 1, 1), "nobody");
    CU_ASSERT_STRING_EQUAL(mt_privs_target("", 1, 1), "nobody");
    CU_ASSERT_STRING_EQUAL(mt_privs_target("daemon", 1, 1), "daemon");
    CU_ASSERT_STRING_EQUAL(mt_privs_target("root", 1, 1), "root");
    /* Root reading a file: stays root unless -Z says otherwise. */
    CU_ASSERT_PTR_NULL(mt_privs_target(NULL, 0, 1));
    CU_ASSERT_STRING_EQUAL(mt_privs_target("daemon", 0, 1), "daemon");
}

static void test_unknown_user(void)
{
    char err[512] = "";
    uid_t uid = getuid(), euid = geteuid();
    CU_ASSERT_EQUAL(mt_privs_become("mailtap-no-such-user", err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot drop privileges to user 'mailtap-no-such-user'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no such user"));
    CU_ASSERT_PTR_NULL(strchr(err, '\n'));
    /* Nothing changed. */
    CU_ASSERT_EQUAL(getuid(), uid);
    CU_ASSERT_EQUAL(geteuid(), euid);
}

/* The CapEff line of /proc/self/status, or ~0 if it cannot be read. */
static unsigned long long cap_eff(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return ~0ull;
    char line[256];
    unsigned long long v = ~0ull;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "CapEff: %llx", &v) == 1)
            break;
    fclose(f);
    return v;
}

/* Opening a packet socket is what needs CAP_NET_RAW. */
static int can_capture(void)
{
    int fd = socket(AF_PACKET, SOCK_RAW, 0);
    if (fd < 0)
        return 0;
    close(fd);
    return 1;
}

enum {
    CHILD_OK,
    CHILD_PRECONDITION, /* could not capture before the drop: nothing proven */
    CHILD_CALL_FAILED,
    CHILD_WRONG_UID,
    CHILD_WRONG_GID,
    CHILD_ROOT_GROUP,
    CHILD_REGAINED_ROOT,
    CHILD_CAPS_LEFT,
    CHILD_CAN_CAPTURE,
    CHILD_WRONG_BECAME,
    CHILD_CHANGED
};

/* Runs fn in a child; returns its exit code (or 100 + signal). */
static int in_child(int (*fn)(const void *), const void *arg)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        _exit(fn(arg));
    int st;
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st);
}

static int dropped_to(const char *user)
{
    struct passwd *pw = getpwnam(user);
    if (!pw)
        return CHILD_PRECONDITION;
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    if (getuid() != uid || geteuid() != uid)
        return CHILD_WRONG_UID;
    if (getgid() != gid || getegid() != gid)
        return CHILD_WRONG_GID;
    gid_t groups[256];
    int n = getgroups(256, groups);
    for (int i = 0; i < n; i++)
        if (groups[i] == 0)
            return CHILD_ROOT_GROUP;
    if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0)
        return CHILD_REGAINED_ROOT;
    if (cap_eff() != 0)
        return CHILD_CAPS_LEFT;
    if (can_capture())
        return CHILD_CAN_CAPTURE;
    return CHILD_OK;
}

static int child_become(const void *arg)
{
    const char *user = arg;
    /* Root's group among the supplementary groups: they must go too. */
    gid_t root_group = 0;
    if (!can_capture() || setgroups(1, &root_group) != 0)
        return CHILD_PRECONDITION;
    char err[512];
    if (mt_privs_become(user, err, sizeof err) != 0) {
        fprintf(stderr, "privs test: %s\n", err);
        return CHILD_CALL_FAILED;
    }
    return dropped_to(user);
}

static int child_become_root(const void *arg)
{
    (void)arg;
    unsigned long long before = cap_eff();
    char err[512];
    if (mt_privs_become("root", err, sizeof err) != 0)
        return CHILD_CALL_FAILED;
    if (getuid() != 0 || geteuid() != 0 || cap_eff() != before || !can_capture())
        return CHILD_CHANGED;
    return CHILD_OK;
}

static int child_clear_caps(const void *arg)
{
    (void)arg;
    if (!can_capture())
        return CHILD_PRECONDITION;
    char err[512];
    if (mt_privs_clear_caps(err, sizeof err) != 0)
        return CHILD_CALL_FAILED;
    /* Still uid 0, but without CAP_NET_RAW a packet socket is refused. */
    if (getuid() != 0)
        return CHILD_WRONG_UID;
    if (cap_eff() != 0)
        return CHILD_CAPS_LEFT;
    if (can_capture())
        return CHILD_CAN_CAPTURE;
    return CHILD_OK;
}

struct after_case {
    const char *zuser;
    int live;
    const char *became; /* expected; "" for no change */
};

static int child_after_open(const void *arg)
{
    const struct after_case *c = arg;
    char became[64], err[512];
    if (mt_privs_after_open(c->zuser, c->live, became, sizeof became, err, sizeof err) != 0) {
        fprintf(stderr, "privs test: %s\n", err);
        return CHILD_CALL_FAILED;
    }
    if (strcmp(became, c->became) != 0)
        return CHILD_WRONG_BECAME;
    if (!*c->became)
        return getuid() == 0 && geteuid() == 0 && can_capture() ? CHILD_OK : CHILD_CHANGED;
    return dropped_to(c->became);
}

static int as_root(void)
{
    if (geteuid() == 0)
        return 1;
    CU_PASS("not root: privilege dropping not exercised");
    return 0;
}

static void test_become_nobody(void)
{
    if (as_root())
        CU_ASSERT_EQUAL(in_child(child_become, "nobody"), CHILD_OK);
}

static void test_become_daemon(void)
{
    if (as_root() && getpwnam("daemon"))
        CU_ASSERT_EQUAL(in_child(child_become, "daemon"), CHILD_OK);
}

static void test_become_root_keeps_root(void)
{
    if (as_root())
        CU_ASSERT_EQUAL(in_child(child_become_root, NULL), CHILD_OK);
}

static void test_clear_caps(void)
{
    if (as_root())
        CU_ASSERT_EQUAL(in_child(child_clear_caps, NULL), CHILD_OK);
}

static void test_after_open(void)
{
    if (!as_root())
        return;
    static const struct after_case cases[] = {
        {NULL, 1, "nobody"},  /* live as root: nobody by default */
        {"daemon", 1, "daemon"},
        {"root", 1, ""},      /* -Z root keeps root */
        {NULL, 0, ""},        /* a file read as root: no change */
        {"nobody", 0, "nobody"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = in_child(child_after_open, &cases[i]);
        if (rc != CHILD_OK)
            fprintf(stderr, "privs test: case %zu: child status %d\n", i, rc);
        CU_ASSERT_EQUAL(rc, CHILD_OK);
    }
}

int register_privs_suite(void)
{
    CU_pSuite s = CU_add_suite("privs", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "whom to become", test_target) ||
        !CU_add_test(s, "unknown user: one line, nothing changed", test_unknown_user) ||
        !CU_add_test(s, "root becomes nobody for good", test_become_nobody) ||
        !CU_add_test(s, "root becomes daemon (-Z daemon)", test_become_daemon) ||
        !CU_add_test(s, "-Z root keeps root", test_become_root_keeps_root) ||
        !CU_add_test(s, "capabilities cleared: no packet socket", test_clear_caps) ||
        !CU_add_test(s, "after open: live, -Z, files", test_after_open))
        return -1;
    return 0;
}
