/* Giving up privileges once the capture is open, as tcpdump -Z does.
 *
 * Opening an interface needs root or CAP_NET_RAW; nothing after it does.
 * Every byte mailtap parses comes from the network, so the parsers should
 * not run as root: right after mt_capture_open, a root process becomes an
 * ordinary user (-Z USER, "nobody" by default for a live capture), and a
 * process that got its capabilities from setcap clears them. Files opened
 * afterwards (--export) are created as that user, as tcpdump creates its
 * -w savefiles after dropping root. */
#ifndef MAILTAP_PRIVS_H
#define MAILTAP_PRIVS_H

#include <stddef.h>

#define MT_PRIVS_DEFAULT_USER "nobody"

/* Whom to become: the -Z user if one was given, else the default user for a
 * live capture, else nobody in particular (NULL: stay). Only root changes
 * user (a process that is not root cannot). Pure, for the tests. */
const char *mt_privs_target(const char *zuser, int live, int is_root);

/* Becomes user: supplementary groups (initgroups), group, then user, then
 * checks that neither root nor a capability can be regained. A user whose
 * uid is 0 (-Z root) changes nothing. Returns 0, or -1 with one line in err
 * naming the user and the reason; the process must then exit, its ids may
 * be half changed. */
int mt_privs_become(const char *user, char *err, size_t errlen);

/* Clears every capability this process holds (those a setcap'd binary gets
 * at exec). Capabilities are Linux's; elsewhere it does nothing. */
int mt_privs_clear_caps(char *err, size_t errlen);

/* What main calls after the capture is open: mt_privs_target, then
 * mt_privs_become, then, unless still root, mt_privs_clear_caps. became
 * gets the user now run as, or "" when the user did not change. */
int mt_privs_after_open(const char *zuser, int live, char *became, size_t becamelen, char *err,
                        size_t errlen);

#endif
