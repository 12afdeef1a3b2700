/* Packet sources over libpcap: files (pcap, pcapng, standard input) and
 * live interfaces, read whole or step by step, at a replay's pace if asked.
 * Errors name the file or interface; a file cut short is a warning. */
#include <errno.h>
#ifdef __linux__
#include <linux/if_packet.h>
#include <sys/socket.h>
#endif
#include "mailtap/capture.h"

#include <errno.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/xattr.h>
#endif

#define READ_BUF (256u << 10)

struct mt_capture {
    pcap_t *p;
    char *vbuf;        /* the stdio buffer of a file being read */
    const char *name; /* file or interface, for messages */
    int live;
    volatile sig_atomic_t stop;
    uint64_t seen;
    /* --replay: a frame read ahead of its time waits here. */
    double speed;          /* 0: as fast as possible */
    mt_time_us first_ts;   /* capture time of the first frame */
    mt_time_us started;    /* monotonic time the replay started */
    mt_time_us paused_at;  /* when the replay clock was stopped; 0 running */
    int have_first;
    uint8_t *held;
    size_t held_cap, held_caplen, held_wirelen;
    mt_time_us held_ts;
    int holding;
};

static const char *display_name(const char *file) { return strcmp(file, "-") == 0 ? "standard input" : file; }

/* Looks at the first bytes of a file so that the common mistakes get a
 * clearer message than libpcap's. Returns 0 when it looks like a capture. */
static int check_magic(const char *file, char *err, size_t errlen)
{
    FILE *f = fopen(file, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", file, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(f);
        snprintf(err, errlen, "%s: is a directory", file);
        return -1;
    }
    uint8_t m[4];
    errno = 0;
    size_t n = fread(m, 1, 4, f);
    int read_error = ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    if (read_error) {
        snprintf(err, errlen, "%s: %s", file, strerror(read_error));
        return -1;
    }
    if (n == 0) {
        snprintf(err, errlen, "%s: empty file, not a pcap or pcapng capture", file);
        return -1;
    }
    static const uint8_t magics[][4] = {
        {0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4}, /* pcap, microseconds */
        {0x4d, 0x3c, 0xb2, 0xa1}, {0xa1, 0xb2, 0x3c, 0x4d}, /* pcap, nanoseconds */
        {0x0a, 0x0d, 0x0d, 0x0a},                           /* pcapng section header */
        {0x34, 0xcd, 0xb2, 0xa1}, {0xa1, 0xb2, 0xcd, 0x34}, /* Kuznetzov's modified pcap */
    };
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if (n == 4 && memcmp(m, magics[i], 4) == 0)
            return 0;
    if (n < 4)
        snprintf(err, errlen, "%s: too short to be a capture (%zu bytes)", file, n);
    else
        snprintf(err, errlen,
                 "%s: not a pcap or pcapng capture (starts with %02x %02x %02x %02x)", file,
                 m[0], m[1], m[2], m[3]);
    return -1;
}

static struct mt_capture *open_file(const char *file, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    FILE *f = stdin;
    if (strcmp(file, "-") != 0) {
        if (check_magic(file, err, errlen) != 0)
            return NULL;
        if (!(f = fopen(file, "rb"))) {
            snprintf(err, errlen, "%s: %s", file, strerror(errno));
            return NULL;
        }
    }
    /* libpcap reads through stdio, whose buffer is one block (4 KiB): a
     * read(2) every few packets, which cost more than the parsing. */
    char *vbuf = malloc(READ_BUF);
    if (vbuf)
        setvbuf(f, vbuf, _IOFBF, READ_BUF);
    pcap_t *p = pcap_fopen_offline(f, ebuf);
    if (!p) {
        if (f != stdin)
            fclose(f); /* pcap_fopen_offline leaves it open when it fails */
        free(vbuf);
        const char *why = ebuf[0] ? ebuf : "cannot read capture";
        if (strstr(ebuf, "only got 0"))
            why = "empty input, not a pcap or pcapng capture";
        else if (strstr(ebuf, "file header"))
            why = "cut short inside the file header, not a complete capture";
        else if (strstr(ebuf, "unknown file format"))
            why = "not a pcap or pcapng capture";
        snprintf(err, errlen, "%s: %s", display_name(file), why);
        return NULL;
    }
    struct mt_capture *c = calloc(1, sizeof *c);
    if (!c) {
        pcap_close(p);
        free(vbuf);
        snprintf(err, errlen, "%s: out of memory", display_name(file));
        return NULL;
    }
    c->p = p;
    c->vbuf = vbuf;
    c->name = display_name(file);
    return c;
}

/* A packet socket needs CAP_NET_RAW (root has it). Says which of the three
 * usual causes it is, and the command that fixes it, with this binary's
 * real path so that it can be pasted. */
static void explain_perm_denied(const char *iface, char *err, size_t errlen)
{
    char exe[PATH_MAX] = "mailtap";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? (size_t)n : strlen(exe)] = '\0';
    if (geteuid() == 0) {
        snprintf(err, errlen,
                 "%s: permission denied: running as root but without the CAP_NET_RAW capability "
                 "(a container or user namespace that withholds it); give the container "
                 "CAP_NET_RAW and CAP_NET_ADMIN",
                 iface);
        return;
    }
#ifdef __linux__
    if (getxattr(exe, "security.capability", NULL, 0) > 0) {
        snprintf(err, errlen,
                 "%s: permission denied: %s has file capabilities but they are not in effect "
                 "(its file system is mounted nosuid, or no_new_privs is set); run it as root "
                 "(sudo) or from a file system that honours them",
                 iface, exe);
        return;
    }
#endif
    snprintf(err, errlen,
             "%s: permission denied: capturing needs the CAP_NET_RAW capability, which user "
             "%u does not have; run mailtap as root (sudo), or give the binary the capability "
             "once: sudo setcap cap_net_raw,cap_net_admin=eip %s",
             iface, (unsigned)geteuid(), exe);
}

static void explain_activate(const char *iface, int rc, pcap_t *p, char *err, size_t errlen)
{
    const char *detail = pcap_geterr(p);
    switch (rc) {
    case PCAP_ERROR_NO_SUCH_DEVICE:
        snprintf(err, errlen, "%s: no such interface (mailtap -D lists them)", iface);
        break;
    case PCAP_ERROR_PERM_DENIED:
        explain_perm_denied(iface, err, errlen);
        break;
    case PCAP_ERROR_PROMISC_PERM_DENIED:
        snprintf(err, errlen, "%s: no permission for promiscuous mode (try -p)", iface);
        break;
    case PCAP_ERROR_IFACE_NOT_UP:
        snprintf(err, errlen, "%s: interface is down", iface);
        break;
    default:
        snprintf(err, errlen, "%s: %s", iface, detail && *detail ? detail : pcap_statustostr(rc));
        break;
    }
}

#define LIVE_DELAY_MS 20

/* --fanout: the socket joins a group of sockets on the same interface
 * among which the kernel deals packets by flow hash (symmetric: both
 * directions of a session reach the same one), IP fragments put together
 * first, so that each process sees whole sessions. */
static int join_fanout(pcap_t *p, unsigned id, const char *iface, char *err, size_t errlen)
{
#ifdef PACKET_FANOUT
    unsigned arg = (id & 0xffffu) | (unsigned)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16;
    if (setsockopt(pcap_fileno(p), SOL_PACKET, PACKET_FANOUT, &arg, sizeof arg) == 0)
        return 0;
    snprintf(err, errlen, "%s: cannot join fanout group %u: %s", iface, id, strerror(errno));
#else
    (void)p;
    snprintf(err, errlen, "%s: --fanout %u: packet fanout needs Linux", iface, id);
#endif
    return -1;
}

static struct mt_capture *open_live(const struct mt_capture_opts *o, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_create(o->iface, ebuf);
    if (!p) {
        snprintf(err, errlen, "%s: %s", o->iface, ebuf);
        return NULL;
    }
    pcap_set_snaplen(p, o->snaplen > 0 ? o->snaplen : MT_DEFAULT_SNAPLEN);
    pcap_set_promisc(p, o->promisc);
    /* Not immediate mode: the kernel hands over blocks of packets (TPACKET_V3)
     * at most LIVE_DELAY_MS after the first one, so that a busy link costs a
     * wakeup a block, not one a packet; a credential still shows within that. */
    pcap_set_immediate_mode(p, 0);
    pcap_set_timeout(p, LIVE_DELAY_MS);
    if (o->buffer_kib)
        pcap_set_buffer_size(p, (int)o->buffer_kib * 1024);
    int rc = pcap_activate(p);
    if (rc < 0) {
        explain_activate(o->iface, rc, p, err, errlen);
        pcap_close(p);
        return NULL;
    }
    if (o->fanout && join_fanout(p, o->fanout - 1, o->iface, err, errlen) != 0) {
        pcap_close(p);
        return NULL;
    }
    struct mt_capture *c = calloc(1, sizeof *c);
    if (!c) {
        pcap_close(p);
        snprintf(err, errlen, "%s: out of memory", o->iface);
        return NULL;
    }
    c->p = p;
    c->name = o->iface;
    c->live = 1;
    return c;
}

struct mt_capture *mt_capture_open(const struct mt_capture_opts *o, enum mt_capture_error *kind,
                                   char *err, size_t errlen)
{
    *kind = MT_CAP_ERR_RUNTIME;
    struct mt_capture *c = o->file ? open_file(o->file, err, errlen) : open_live(o, err, errlen);
    if (!c)
        return NULL;
    if (o->filter && *o->filter) {
        struct bpf_program prog;
        if (pcap_compile(c->p, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            snprintf(err, errlen, "bad filter expression '%s': %s", o->filter, pcap_geterr(c->p));
            *kind = MT_CAP_ERR_USAGE;
            mt_capture_close(c);
            return NULL;
        }
        int rc = pcap_setfilter(c->p, &prog);
        pcap_freecode(&prog);
        if (rc != 0) {
            snprintf(err, errlen, "%s: cannot install filter: %s", c->name, pcap_geterr(c->p));
            mt_capture_close(c);
            return NULL;
        }
    }
    *kind = MT_CAP_OK;
    return c;
}

void mt_capture_close(struct mt_capture *c)
{
    if (!c)
        return;
    pcap_close(c->p); /* closes the file before its buffer goes */
    free(c->vbuf);
    free(c->held);
    free(c);
}

int mt_capture_datalink(const struct mt_capture *c) { return pcap_datalink(c->p); }

const char *mt_capture_datalink_name(const struct mt_capture *c)
{
    const char *n = pcap_datalink_val_to_name(pcap_datalink(c->p));
    return n ? n : "unknown";
}

int mt_capture_is_live(const struct mt_capture *c) { return c->live; }

void mt_capture_stop(struct mt_capture *c)
{
    c->stop = 1;
    pcap_breakloop(c->p);
}

static mt_time_us wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (mt_time_us)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

enum mt_run_result mt_capture_run(struct mt_capture *c, uint64_t max_packets, mt_frame_fn fn,
                                  mt_idle_fn idle, void *ctx, char *msg, size_t msglen)
{
    uint64_t seen = 0;
    while (!c->stop && (max_packets == 0 || seen < max_packets)) {
        struct pcap_pkthdr *h;
        const u_char *data;
        int rc = pcap_next_ex(c->p, &h, &data);
        if (rc == 1) {
            seen++;
            mt_time_us ts = (mt_time_us)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
            if (fn(ctx, ts, data, h->caplen, h->len))
                break;
        } else if (rc == 0) {
            if (idle)
                idle(ctx, wall_now());
        } else if (rc == PCAP_ERROR_BREAK) {
            break; /* end of file, or mt_capture_stop() */
        } else {
            const char *e = pcap_geterr(c->p);
            if (!c->live && strstr(e, "truncated")) {
                snprintf(msg, msglen, "%s: file is cut short after %llu packets (%s); processed what came before", c->name,
                         (unsigned long long)seen, e);
                return MT_RUN_TRUNCATED;
            }
            snprintf(msg, msglen, "%s: %s", c->name, e);
            return MT_RUN_ERROR;
        }
    }
    return MT_RUN_END;
}

static mt_time_us mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (mt_time_us)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int mt_capture_fd(struct mt_capture *c)
{
    if (!c->live)
        return -1;
    return pcap_get_selectable_fd(c->p);
}

int mt_capture_set_nonblock(struct mt_capture *c, char *err, size_t errlen)
{
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    if (c->live && pcap_setnonblock(c->p, 1, ebuf) != 0) {
        snprintf(err, errlen, "%s: %s", c->name, ebuf);
        return -1;
    }
    return 0;
}

void mt_capture_set_replay(struct mt_capture *c, double speed) { c->speed = speed > 0 ? speed : 0; }

void mt_capture_pause_replay(struct mt_capture *c, int paused)
{
    mt_time_us now = mono_now();
    if (paused && !c->paused_at) {
        c->paused_at = now;
    } else if (!paused && c->paused_at) {
        c->started += now - c->paused_at; /* the pause did not happen */
        c->paused_at = 0;
    }
}

/* How long a frame of capture time ts must still wait (replay), in us. */
static mt_time_us replay_wait(struct mt_capture *c, mt_time_us ts)
{
    if (c->speed <= 0)
        return 0;
    mt_time_us now = mono_now();
    if (!c->have_first) {
        c->have_first = 1;
        c->first_ts = ts;
        c->started = now;
        return 0;
    }
    mt_time_us due = c->started + (mt_time_us)((double)(ts - c->first_ts) / c->speed);
    return due > now ? due - now : 0;
}

static void hold(struct mt_capture *c, mt_time_us ts, const uint8_t *d, size_t caplen, size_t wirelen)
{
    if (caplen > c->held_cap) {
        uint8_t *n = realloc(c->held, caplen);
        if (!n) { /* cannot keep it for later: deliver it now */
            c->holding = 0;
            return;
        }
        c->held = n;
        c->held_cap = caplen;
    }
    memcpy(c->held, d, caplen);
    c->held_caplen = caplen;
    c->held_wirelen = wirelen;
    c->held_ts = ts;
    c->holding = 1;
}

enum mt_step_result mt_capture_step(struct mt_capture *c, unsigned max, mt_frame_fn fn, void *ctx,
                                    mt_time_us *wait_us, char *msg, size_t msglen)
{
    *wait_us = 0;
    for (unsigned n = 0; n < max; n++) {
        if (c->stop)
            return MT_STEP_END;
        if (c->holding) {
            mt_time_us w = replay_wait(c, c->held_ts);
            if (w > 0) {
                *wait_us = w;
                return MT_STEP_WAIT;
            }
            c->holding = 0;
            c->seen++;
            if (fn(ctx, c->held_ts, c->held, c->held_caplen, c->held_wirelen))
                return MT_STEP_END;
            continue;
        }
        struct pcap_pkthdr *h;
        const u_char *data;
        int rc = pcap_next_ex(c->p, &h, &data);
        if (rc == 1) {
            mt_time_us ts = (mt_time_us)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
            mt_time_us w = replay_wait(c, ts);
            if (w > 0) {
                hold(c, ts, data, h->caplen, h->len);
                if (c->holding) {
                    *wait_us = w;
                    return MT_STEP_WAIT;
                }
            }
            c->seen++;
            if (fn(ctx, ts, data, h->caplen, h->len))
                return MT_STEP_END;
        } else if (rc == 0) {
            return MT_STEP_IDLE; /* live: nothing ready now */
        } else if (rc == PCAP_ERROR_BREAK) {
            return MT_STEP_END;
        } else {
            const char *e = pcap_geterr(c->p);
            if (!c->live && strstr(e, "truncated")) {
                snprintf(msg, msglen,
                         "%s: file is cut short after %llu packets (%s); processed what came before",
                         c->name, (unsigned long long)c->seen, e);
                return MT_STEP_TRUNCATED;
            }
            snprintf(msg, msglen, "%s: %s", c->name, e);
            return MT_STEP_ERROR;
        }
    }
    return MT_STEP_MORE;
}

uint64_t mt_capture_drops(struct mt_capture *c)
{
    struct pcap_stat st;
    if (!c->live || pcap_stats(c->p, &st) != 0)
        return 0;
    return (uint64_t)st.ps_drop + st.ps_ifdrop;
}

int mt_capture_list(FILE *out, char *err, size_t errlen)
{
    pcap_if_t *all = NULL;
    char ebuf[PCAP_ERRBUF_SIZE] = "";
    if (pcap_findalldevs(&all, ebuf) != 0) {
        snprintf(err, errlen, "cannot list interfaces: %s", ebuf);
        return -1;
    }
    int i = 1;
    for (pcap_if_t *d = all; d; d = d->next, i++) {
        fprintf(out, "%d.%s", i, d->name);
        if (d->description)
            fprintf(out, " (%s)", d->description);
        if (d->flags & PCAP_IF_LOOPBACK)
            fprintf(out, " [Loopback]");
        fputc('\n', out);
    }
    pcap_freealldevs(all);
    return 0;
}
