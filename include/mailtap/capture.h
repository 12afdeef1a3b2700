/* Packet sources: a capture file (pcap or pcapng, "-" for standard input)
 * or a live interface, through libpcap. Hands each frame to a callback.
 * Also the TLS key log text a pcapng file carries (src/pcapng.c). */
#ifndef MAILTAP_CAPTURE_H
#define MAILTAP_CAPTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mailtap/session.h"

#define MT_DEFAULT_SNAPLEN 262144

struct mt_capture_opts {
    const char *file;   /* or */
    const char *iface;
    int promisc;
    int snaplen;
    unsigned buffer_kib; /* kernel buffer (-B, as tcpdump's); 0: libpcap's default */
    unsigned fanout;     /* --fanout ID + 1: share the interface's packets by flow
                          * hash with the other processes of group ID (Linux); 0: none */
    const char *filter; /* BPF expression, or NULL */
};

enum mt_capture_error {
    MT_CAP_OK = 0,
    MT_CAP_ERR_RUNTIME, /* cannot open, not a capture, no permission: exit 1 */
    MT_CAP_ERR_USAGE    /* bad filter expression: exit 2 */
};

struct mt_capture;

/* Opens the source and installs the filter. On failure returns NULL, sets
 * *kind and writes one line naming the file or interface and the reason. */
struct mt_capture *mt_capture_open(const struct mt_capture_opts *opts, enum mt_capture_error *kind,
                                   char *err, size_t errlen);
void mt_capture_close(struct mt_capture *c);

int mt_capture_datalink(const struct mt_capture *c);
const char *mt_capture_datalink_name(const struct mt_capture *c);
int mt_capture_is_live(const struct mt_capture *c);

/* Called for each frame; return nonzero to stop. */
typedef int (*mt_frame_fn)(void *ctx, mt_time_us ts, const uint8_t *frame, size_t caplen,
                           size_t wirelen);
/* Called when a live capture has been quiet for a while, with the time. */
typedef void (*mt_idle_fn)(void *ctx, mt_time_us now);

enum mt_run_result {
    MT_RUN_END,       /* end of file, packet count reached, stopped */
    MT_RUN_TRUNCATED, /* file cut short mid-record: warning in msg */
    MT_RUN_ERROR      /* read error: message in msg */
};

/* Reads frames until the end, max_packets (0: no limit), a nonzero return
 * of fn, or mt_capture_stop(). */
enum mt_run_result mt_capture_run(struct mt_capture *c, uint64_t max_packets, mt_frame_fn fn,
                                  mt_idle_fn idle, void *ctx, char *msg, size_t msglen);

/* Step by step, for an event loop (the terminal interface, --replay). */
enum mt_step_result {
    MT_STEP_MORE,      /* max frames read; more may be ready */
    MT_STEP_IDLE,      /* live: nothing ready; poll mt_capture_fd() */
    MT_STEP_WAIT,      /* replay: the next frame is due in *wait_us */
    MT_STEP_END,       /* end of file, stopped, or fn returned nonzero */
    MT_STEP_TRUNCATED, /* file cut short mid-record: warning in msg */
    MT_STEP_ERROR      /* read error: message in msg */
};

/* Reads at most max frames. A live capture must be non-blocking
 * (mt_capture_set_nonblock) for this not to wait. */
enum mt_step_result mt_capture_step(struct mt_capture *c, unsigned max, mt_frame_fn fn, void *ctx,
                                    mt_time_us *wait_us, char *msg, size_t msglen);

/* A descriptor to poll for readiness (live), or -1 (files). */
int mt_capture_fd(struct mt_capture *c);
int mt_capture_set_nonblock(struct mt_capture *c, char *err, size_t errlen);

/* Frames are delivered at their recorded pace, speed times faster (a file
 * shown as if live); 0 turns it off. */
void mt_capture_set_replay(struct mt_capture *c, double speed);

/* Stops (1) or restarts (0) the replay clock: frames after a pause keep
 * their spacing instead of all coming due at once. */
void mt_capture_pause_replay(struct mt_capture *c, int paused);

/* Async-signal-safe: makes mt_capture_run return soon. */
void mt_capture_stop(struct mt_capture *c);

/* Packets the kernel or interface dropped (live only; 0 otherwise). */
uint64_t mt_capture_drops(struct mt_capture *c);

/* Lists capture interfaces, one per line, as tcpdump -D does. */
int mt_capture_list(FILE *out, char *err, size_t errlen);

/* Key log text carried in a pcapng file (Decryption Secrets Blocks of
 * TLS key log type, as `editcap --inject-secrets tls,FILE` writes them):
 * calls fn for each, in file order, index counting them from 1; p is valid
 * during the call only. Returns how many were found, 0 for a classic pcap
 * (or anything not pcapng), -1 with a message naming the file if it cannot
 * be read (calls already made stand). Standard input ("-") and other pipes
 * are not scanned (0): what this read would be lost to the capture.
 * A broken block or one over 64 MiB ends the scan without failing: what
 * was found stands, and err then says where and why (for a warning);
 * otherwise err is left empty. The file is read once, start to end. */
typedef void (*mt_secrets_fn)(void *ctx, const uint8_t *p, size_t n, unsigned index);
int mt_capture_file_secrets(const char *path, mt_secrets_fn fn, void *ctx, char *err,
                            size_t errlen);

#endif
