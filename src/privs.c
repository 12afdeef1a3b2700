/* Giving up root (or setcap capabilities) once the capture is open. */
#define _GNU_SOURCE /* getresuid(), getresgid() */
#include "mailtap/privs.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/capability.h>
#include <sys/syscall.h>
#endif

const char *mt_privs_target(const char *zuser, int live, int is_root)
{
    if (!is_root)
        return NULL; /* -Z is ignored, as tcpdump does: there is no root to give up */
    if (zuser && *zuser)
        return zuser;
    return live ? MT_PRIVS_DEFAULT_USER : NULL;
}

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, const char *user,
                                                      const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(err, errlen,
             "cannot drop privileges to user '%s': %s (-Z USER runs as another user, "
             "-Z root stays root)",
             user, why);
    return -1;
}

#ifdef __linux__
/* capget/capset through syscall(2): no libcap needed for two calls. */
static int caps_get(struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3])
{
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    memset(d, 0, sizeof(struct __user_cap_data_struct) * _LINUX_CAPABILITY_U32S_3);
    return (int)syscall(SYS_capget, &h, d);
}

static int caps_any(const struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3])
{
    for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
        if (d[i].effective || d[i].permitted || d[i].inheritable)
            return 1;
    return 0;
}
#endif

int mt_privs_clear_caps(char *err, size_t errlen)
{
#ifdef __linux__
    struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
    if (caps_get(d) != 0) {
        if (errno == ENOSYS)
            return 0; /* no capabilities on this kernel */
        snprintf(err, errlen, "cannot read this process's capabilities: %s", strerror(errno));
        return -1;
    }
    if (!caps_any(d))
        return 0;
    /* Emptying the permitted set also empties the ambient set, and a
     * capability out of the permitted set can never come back. */
    struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    memset(d, 0, sizeof d);
    if (syscall(SYS_capset, &h, d) != 0) {
        snprintf(err, errlen, "cannot give up capabilities: %s", strerror(errno));
        return -1;
    }
    if (caps_get(d) != 0 || caps_any(d)) {
        snprintf(err, errlen, "cannot give up capabilities: some are still held");
        return -1;
    }
#else
    (void)err;
    (void)errlen;
#endif
    return 0;
}

int mt_privs_become(const char *user, char *err, size_t errlen)
{
    errno = 0;
    struct passwd *pw = getpwnam(user);
    if (!pw)
        return fail(err, errlen, user, "%s", errno ? strerror(errno) : "no such user");
    /* getpwnam's result is overwritten by the next lookup (initgroups). */
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    if (uid == 0)
        return 0; /* -Z root: stay root */

    /* Groups first: once the uid is not 0 any more, they cannot be changed,
     * and root's supplementary groups must not stay behind. */
    if (initgroups(user, gid) != 0)
        return fail(err, errlen, user, "initgroups: %s", strerror(errno));
    if (setgid(gid) != 0)
        return fail(err, errlen, user, "setgid(%u): %s", (unsigned)gid, strerror(errno));
    if (setuid(uid) != 0)
        return fail(err, errlen, user, "setuid(%u): %s", (unsigned)uid, strerror(errno));

    /* Check rather than trust: real, effective and saved ids all changed,
     * and root cannot be had back. */
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    if (getresuid(&ru, &eu, &su) != 0 || ru != uid || eu != uid || su != uid)
        return fail(err, errlen, user, "the user ids did not all change");
    if (getresgid(&rg, &eg, &sg) != 0 || rg != gid || eg != gid || sg != gid)
        return fail(err, errlen, user, "the group ids did not all change");
    if (setuid(0) == 0 || seteuid(0) == 0)
        return fail(err, errlen, user, "root could be regained after setuid");
    if (gid != 0 && (setgid(0) == 0 || setegid(0) == 0))
        return fail(err, errlen, user, "group root could be regained after setgid");
    /* The kernel clears the capabilities of a process leaving uid 0, unless
     * securebits say otherwise: make sure none is left. */
    char cerr[200];
    if (mt_privs_clear_caps(cerr, sizeof cerr) != 0)
        return fail(err, errlen, user, "%s", cerr);
    return 0;
}

int mt_privs_after_open(const char *zuser, int live, char *became, size_t becamelen, char *err,
                        size_t errlen)
{
    if (becamelen)
        became[0] = '\0';
    const char *target = mt_privs_target(zuser, live, getuid() == 0 || geteuid() == 0);
    if (target) {
        if (mt_privs_become(target, err, errlen) != 0)
            return -1;
        if (geteuid() != 0 && becamelen)
            snprintf(became, becamelen, "%s", target);
    }
    /* Not root (any more): whatever setcap gave is not needed now. Root
     * that stays root (-Z root, or a file read as root) keeps everything. */
    if (getuid() != 0 && geteuid() != 0)
        return mt_privs_clear_caps(err, errlen);
    return 0;
}
