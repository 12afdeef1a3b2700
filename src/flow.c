/* The flow table: finds each segment's connection by a SipHash of its
 * endpoints, tells client from server, feeds reassembly and opens, times
 * out, evicts and closes sessions within --max-flows and the held limits.
 * Flows that have carried no byte yet (half-open: a SYN, a handshake) live
 * in a list of their own, like the kernel's SYN queue, and are evicted
 * before any session that has, so a SYN flood cannot push out a login. */
#include "mailtap/flow.h"

#include <stdlib.h>
#include <string.h>

#include "mailtap/reasm.h"
#include "mailtap/siphash.h"

/* Both endpoints in a canonical order, so that either direction of a
 * connection finds the same flow. */
struct flow_key {
    uint8_t family;
    uint8_t pad;
    uint16_t port[2];
    uint8_t addr[2][16];
};

struct flow;

struct flow_list {
    struct flow *head, *tail;
};

enum { L_NONE, L_EMBRYO, L_OPEN, L_CLOSED };

struct flow {
    struct flow_key key;
    struct flow *hnext;              /* hash chain */
    struct flow *prev, *next;        /* its list (by activity, or by closing) */
    int list;                        /* which: L_EMBRYO (no byte yet), L_OPEN, L_CLOSED */
    struct flow *hprev, *hnext_held; /* flows holding out-of-order data */
    int in_held;
    int closed;
    int client_side;                 /* index into key of the client */
    int opened;                      /* the consumer has been told of it */
    uint8_t syn[2];
    uint32_t isn[2];
    /* For judging a RST: the last ACK number acknowledging each direction's
     * stream (sent by the other side), and the last SYN each side sent. */
    uint8_t acked_ok[2], last_syn_ok[2];
    uint32_t acked[2], last_syn[2];
    struct mt_reasm rs[2];           /* indexed by enum mt_dir */
    mt_time_us last_ts, closed_ts;
    unsigned reuse;
    void *session;
    struct mt_session_info info;
};

struct mt_flow_table {
    struct mt_flow_config cfg;
    struct mt_stream_ops ops;
    struct flow **buckets;
    size_t nbuckets;
    struct flow_list embryo, open, closed;
    size_t nclosed;             /* flows on the closed list */
    struct flow *held_head, *held_tail;
    struct flow *reading; /* the flow whose segment is being reassembled */
    size_t nflows;
    struct mt_reasm_budget budget;
    struct mt_flow_stats st;
    uint64_t next_id;
    mt_time_us now;
    uint8_t hkey[16];
};

/* --- lists ------------------------------------------------------------- */

static void list_remove(struct flow_list *l, struct flow *f)
{
    if (f->prev)
        f->prev->next = f->next;
    else
        l->head = f->next;
    if (f->next)
        f->next->prev = f->prev;
    else
        l->tail = f->prev;
    f->prev = f->next = NULL;
}

static void list_append(struct flow_list *l, struct flow *f);

static struct flow_list *list_of(struct mt_flow_table *t, int id)
{
    return id == L_EMBRYO ? &t->embryo : id == L_OPEN ? &t->open : &t->closed;
}

/* Moves f to the end of list id (L_NONE: out of every list). */
static void move_to(struct mt_flow_table *t, struct flow *f, int id)
{
    if (f->list != L_NONE)
        list_remove(list_of(t, f->list), f);
    t->nclosed += (size_t)(id == L_CLOSED) - (size_t)(f->list == L_CLOSED);
    f->list = id;
    if (id != L_NONE)
        list_append(list_of(t, id), f);
}

static void list_append(struct flow_list *l, struct flow *f)
{
    f->next = NULL;
    f->prev = l->tail;
    if (l->tail)
        l->tail->next = f;
    else
        l->head = f;
    l->tail = f;
}

static void held_update(struct mt_flow_table *t, struct flow *f)
{
    int holds = f->rs[0].held_bytes + f->rs[1].held_bytes > 0;
    if (holds && !f->in_held) {
        f->in_held = 1;
        f->hnext_held = NULL;
        f->hprev = t->held_tail;
        if (t->held_tail)
            t->held_tail->hnext_held = f;
        else
            t->held_head = f;
        t->held_tail = f;
    } else if (!holds && f->in_held) {
        f->in_held = 0;
        if (f->hprev)
            f->hprev->hnext_held = f->hnext_held;
        else
            t->held_head = f->hnext_held;
        if (f->hnext_held)
            f->hnext_held->hprev = f->hprev;
        else
            t->held_tail = f->hprev;
        f->hprev = f->hnext_held = NULL;
    }
}

/* --- delivery to the next stage ----------------------------------------- */

struct delivery {
    struct mt_flow_table *t;
    struct flow *f;
    enum mt_dir dir;
};

static void ensure_open(struct mt_flow_table *t, struct flow *f)
{
    if (f->opened)
        return;
    f->opened = 1;
    if (f->list == L_EMBRYO)
        move_to(t, f, L_OPEN); /* a session now: no longer evicted first */
    f->info.id = ++t->next_id;
    t->st.sessions++;
    f->session = t->ops.open ? t->ops.open(t->ops.ctx, &f->info) : NULL;
}

static void on_data(void *ctx, const uint8_t *p, size_t n)
{
    struct delivery *d = ctx;
    ensure_open(d->t, d->f);
    d->t->ops.data(d->t->ops.ctx, d->f->session, d->dir, p, n, d->t->now);
}

static void on_gap(void *ctx, uint64_t n)
{
    struct delivery *d = ctx;
    ensure_open(d->t, d->f);
    d->t->ops.gap(d->t->ops.ctx, d->f->session, d->dir, n, d->t->now);
}

static void on_conflict(void *ctx, uint64_t off, uint64_t n)
{
    struct delivery *d = ctx;
    if (d->t->ops.conflict && d->f->opened)
        d->t->ops.conflict(d->t->ops.ctx, d->f->session, d->dir, off, n, d->t->now);
}

static struct mt_reasm_out out_for(struct delivery *d)
{
    return (struct mt_reasm_out){on_data, on_gap, on_conflict, d};
}

static void flush_dir(struct mt_flow_table *t, struct flow *f, enum mt_dir dir)
{
    struct delivery d = {t, f, dir};
    struct mt_reasm_out out = out_for(&d);
    mt_reasm_flush(&f->rs[dir], &t->budget, &out);
}

/* Ends the current session of a flow: held data is delivered (holes as
 * gaps), the consumer is told, and the flow is ready for a new connection. */
static void finish_session(struct mt_flow_table *t, struct flow *f, enum mt_close_reason why)
{
    flush_dir(t, f, MT_DIR_CLIENT);
    flush_dir(t, f, MT_DIR_SERVER);
    if (why == MT_CLOSE_END && mt_reasm_finished(&f->rs[0]) && mt_reasm_finished(&f->rs[1]))
        why = MT_CLOSE_FIN;
    if (f->opened && t->ops.close)
        t->ops.close(t->ops.ctx, f->session, why, t->now);
    f->opened = 0;
    if (f->list == L_OPEN)
        move_to(t, f, L_EMBRYO); /* what comes next starts from nothing */
    f->session = NULL;
    for (int i = 0; i < 2; i++) {
        mt_reasm_release(&f->rs[i], &t->budget);
        mt_reasm_init(&f->rs[i]);
        f->syn[i] = 0;
    }
    held_update(t, f);
}

/* --- table -------------------------------------------------------------- */

static size_t bucket_of(const struct mt_flow_table *t, const struct flow_key *k)
{
    return (size_t)(mt_siphash(t->hkey, k, sizeof *k) & (t->nbuckets - 1));
}

static void destroy_flow(struct mt_flow_table *t, struct flow *f)
{
    struct flow **pp = &t->buckets[bucket_of(t, &f->key)];
    while (*pp && *pp != f)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = f->hnext;
    move_to(t, f, L_NONE);
    for (int i = 0; i < 2; i++)
        mt_reasm_release(&f->rs[i], &t->budget);
    held_update(t, f);
    t->nflows--;
    free(f);
}

static void retire(struct mt_flow_table *t, struct flow *f)
{
    f->closed = 1;
    f->closed_ts = t->now;
    move_to(t, f, L_CLOSED);
    /* Closed flows wait MT_LINGER_S for late copies of their last segments;
     * a burst of short sessions would keep thousands waiting: the oldest
     * go first past MT_MAX_LINGERING, so memory stays flat. */
    while (t->nclosed > MT_MAX_LINGERING)
        destroy_flow(t, t->closed.head);
}

static mt_time_us linger_us(const struct mt_flow_table *t)
{
    uint32_t s = t->cfg.idle_timeout_s < MT_LINGER_S ? t->cfg.idle_timeout_s : MT_LINGER_S;
    return (mt_time_us)s * 1000000;
}

static void expire(struct mt_flow_table *t)
{
    mt_time_us idle = (mt_time_us)t->cfg.idle_timeout_s * 1000000;
    for (int l = L_EMBRYO; l <= L_OPEN; l++) {
        struct flow_list *fl = list_of(t, l);
        while (fl->head && fl->head->last_ts + idle < t->now) {
            struct flow *f = fl->head;
            if (f->opened)
                t->st.timed_out++;
            finish_session(t, f, MT_CLOSE_TIMEOUT);
            destroy_flow(t, f);
        }
    }
    mt_time_us linger = linger_us(t);
    while (t->closed.head && t->closed.head->closed_ts + linger < t->now)
        destroy_flow(t, t->closed.head);
}

/* Makes room for one more flow: a closed one goes first, then the live
 * flow that has been quiet longest. */
static void make_room(struct mt_flow_table *t)
{
    while (t->nflows >= t->cfg.max_flows) {
        if (t->closed.head) {
            destroy_flow(t, t->closed.head);
        } else if (t->embryo.head) {
            /* Half-open flows go first: they hold nothing yet. */
            t->st.half_open_evicted++;
            struct flow *f = t->embryo.head;
            finish_session(t, f, MT_CLOSE_EVICTED);
            destroy_flow(t, f);
        } else if (t->open.head) {
            struct flow *f = t->open.head;
            if (f->opened)
                t->st.evicted++;
            finish_session(t, f, MT_CLOSE_EVICTED);
            destroy_flow(t, f);
        } else {
            break;
        }
    }
}

static void make_key(const struct mt_packet *pkt, struct flow_key *k, int *src_side)
{
    memset(k, 0, sizeof *k);
    k->family = pkt->src.family;
    int c = memcmp(pkt->src.addr, pkt->dst.addr, 16);
    int swap = c > 0 || (c == 0 && pkt->src.port > pkt->dst.port);
    const struct mt_endpoint *a = swap ? &pkt->dst : &pkt->src;
    const struct mt_endpoint *b = swap ? &pkt->src : &pkt->dst;
    memcpy(k->addr[0], a->addr, 16);
    memcpy(k->addr[1], b->addr, 16);
    k->port[0] = a->port;
    k->port[1] = b->port;
    *src_side = swap ? 1 : 0;
}

static struct flow *lookup(struct mt_flow_table *t, const struct flow_key *k)
{
    for (struct flow *f = t->buckets[bucket_of(t, k)]; f; f = f->hnext)
        if (memcmp(&f->key, k, sizeof *k) == 0)
            return f;
    return NULL;
}

static int is_server_port(const struct mt_flow_table *t, uint16_t port)
{
    for (size_t i = 0; i < t->cfg.n_server_ports; i++)
        if (t->cfg.server_ports[i] == port)
            return 1;
    return 0;
}

/* Which side opened the connection: the SYN says so; without one, the side
 * talking to a mail port, then to a privileged port, else the first seen. */
static int guess_client_side(const struct mt_flow_table *t, const struct mt_packet *pkt,
                             int src_side)
{
    uint8_t synack = pkt->flags & (MT_TCP_SYN | MT_TCP_ACK);
    if (synack == MT_TCP_SYN)
        return src_side;
    if (synack == (MT_TCP_SYN | MT_TCP_ACK))
        return !src_side;
    int s_srv = is_server_port(t, pkt->src.port), d_srv = is_server_port(t, pkt->dst.port);
    if (d_srv && !s_srv)
        return src_side;
    if (s_srv && !d_srv)
        return !src_side;
    if (pkt->dst.port < 1024 && pkt->src.port >= 1024)
        return src_side;
    if (pkt->src.port < 1024 && pkt->dst.port >= 1024)
        return !src_side;
    return src_side;
}

/* (Re)starts a flow for a new connection whose first packet is pkt. */
static void begin_connection(struct mt_flow_table *t, struct flow *f, const struct mt_packet *pkt,
                             int src_side)
{
    f->client_side = guess_client_side(t, pkt, src_side);
    const struct mt_endpoint *c = f->client_side == src_side ? &pkt->src : &pkt->dst;
    const struct mt_endpoint *s = f->client_side == src_side ? &pkt->dst : &pkt->src;
    memset(&f->info, 0, sizeof f->info);
    f->info.client = *c;
    f->info.server = *s;
    f->info.start = pkt->ts;
    f->info.reuse = f->reuse;
    for (int i = 0; i < 2; i++) {
        mt_reasm_init(&f->rs[i]);
        f->syn[i] = 0;
        f->acked_ok[i] = f->last_syn_ok[i] = 0;
    }
}

static struct flow *new_flow(struct mt_flow_table *t, const struct flow_key *k)
{
    make_room(t);
    struct flow *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->key = *k;
    size_t b = bucket_of(t, k);
    f->hnext = t->buckets[b];
    t->buckets[b] = f;
    move_to(t, f, L_EMBRYO);
    t->nflows++;
    t->st.flows++;
    if (t->nflows > t->st.peak_flows)
        t->st.peak_flows = t->nflows;
    return f;
}

/* Room for a segment about to be held (--max-held): the flows that have
 * held the longest give theirs up first; the flow being read is left to
 * its own reassembly, which gives up its own holes. */
static void make_held_room(void *ctx, size_t need)
{
    struct mt_flow_table *t = ctx;
    struct flow *f = t->held_head;
    while (f && t->budget.held + need > t->cfg.max_held) {
        struct flow *next = f->hnext_held;
        if (f != t->reading) {
            flush_dir(t, f, MT_DIR_CLIENT);
            flush_dir(t, f, MT_DIR_SERVER);
            t->st.buffer_flushes++;
            held_update(t, f);
        }
        f = next;
    }
}

/* Whether a RST from dir is one its receiver would accept, as far as the
 * capture tells: near the sender's stream as seen (capture loss aside), or
 * near the last ACK the receiver sent (its RCV.NXT: the RST of a host that
 * lost its state, or of a box in the path, carries it), or answering the
 * receiver's last SYN (RFC 793: its ACK acknowledges the SYN). */
static int rst_acceptable(const struct flow *f, enum mt_dir dir, enum mt_dir peer,
                          const struct mt_packet *pkt)
{
    if (mt_reasm_rst_acceptable(&f->rs[dir], pkt->seq))
        return 1;
    if (f->acked_ok[dir]) {
        int64_t d = (int32_t)(pkt->seq - f->acked[dir]);
        if (d >= -(int64_t)MT_REASM_RST_WINDOW && d <= (int64_t)MT_REASM_RST_WINDOW)
            return 1;
    }
    return (pkt->flags & MT_TCP_ACK) && f->last_syn_ok[peer] &&
           pkt->ack == f->last_syn[peer] + 1;
}

/* The flow pkt belongs to, (re)started when pkt opens a new connection;
 * NULL when pkt is dropped: a stray or a late segment (both counted), or
 * no memory for a new flow. */
static struct flow *flow_for(struct mt_flow_table *t, const struct mt_packet *pkt,
                             const struct flow_key *k, int src_side)
{
    int syn_only = (pkt->flags & (MT_TCP_SYN | MT_TCP_ACK | MT_TCP_RST)) == MT_TCP_SYN;
    struct flow *f = lookup(t, k);
    if (!f) {
        if ((pkt->flags & MT_TCP_RST) || (!(pkt->flags & MT_TCP_SYN) && pkt->payload_len == 0)) {
            t->st.stray++;
            return NULL;
        }
        f = new_flow(t, k);
        if (!f)
            return NULL;
        begin_connection(t, f, pkt, src_side);
    } else if (f->closed) {
        if (!syn_only) {
            if (pkt->payload_len > 0)
                t->st.late++;
            return NULL;
        }
        /* A new connection on an address/port pair used before. */
        f->closed = 0;
        move_to(t, f, L_EMBRYO);
        f->reuse++;
        begin_connection(t, f, pkt, src_side);
    } else if (syn_only && f->client_side == src_side && f->syn[MT_DIR_CLIENT] &&
               pkt->seq != f->isn[MT_DIR_CLIENT] && f->opened) {
        /* The client started over with a new initial sequence number. */
        finish_session(t, f, MT_CLOSE_REUSED);
        f->reuse++;
        begin_connection(t, f, pkt, src_side);
    }
    return f;
}

static void on_rst(struct mt_flow_table *t, struct flow *f, enum mt_dir dir, enum mt_dir peer,
                   const struct mt_packet *pkt)
{
    /* Only a RST in the window ends the connection (RFC 5961 section
     * 3): one far from the sender's stream, spoofed or meant to make
     * an observer stop looking, is ignored as its receiver would. It
     * does not count as activity either. */
    if (!rst_acceptable(f, dir, peer, pkt)) {
        t->st.rst_ignored++;
        return;
    }
    finish_session(t, f, MT_CLOSE_RESET);
    retire(t, f);
}

/* Keeps what a later RST is judged by (rst_acceptable): the ACK number
 * pkt carries for the peer's stream, and pkt's sequence number if a SYN. */
static void remember_ack_and_syn(struct flow *f, enum mt_dir dir, enum mt_dir peer,
                                 const struct mt_packet *pkt)
{
    if (pkt->flags & MT_TCP_ACK) {
        f->acked[peer] = pkt->ack;
        f->acked_ok[peer] = 1;
    }
    if (pkt->flags & MT_TCP_SYN) {
        f->last_syn[dir] = pkt->seq;
        f->last_syn_ok[dir] = 1;
    }
}

/* The flow was active: it goes to the end of the open list, which is in
 * order of activity for expire() and make_room(). */
static void touch(struct mt_flow_table *t, struct flow *f)
{
    f->last_ts = t->now;
    if (f->list == L_EMBRYO || f->list == L_OPEN)
        move_to(t, f, f->list);
}

/* The sequence number of pkt's first payload byte, the direction's stream
 * being started at its SYN, or failing one, at the first segment seen. */
static uint32_t payload_seq(struct flow *f, struct mt_reasm *r, enum mt_dir dir,
                            const struct mt_packet *pkt)
{
    uint32_t seq = pkt->seq;
    if (pkt->flags & MT_TCP_SYN) {
        if (!r->started) {
            mt_reasm_start(r, seq + 1);
            f->syn[dir] = 1;
            f->isn[dir] = seq;
        }
        seq += 1; /* the SYN occupies one sequence number */
    }
    if (!r->started)
        mt_reasm_start(r, seq);
    return seq;
}

/* Hands pkt's payload and FIN to the direction's reassembly; the session
 * is over once both directions are finished. */
static void reassemble(struct mt_flow_table *t, struct flow *f, enum mt_dir dir,
                       const struct mt_packet *pkt)
{
    struct mt_reasm *r = &f->rs[dir];
    uint32_t seq = payload_seq(f, r, dir, pkt);
    struct delivery d = {t, f, dir};
    struct mt_reasm_out out = out_for(&d);
    t->reading = f;
    mt_reasm_segment(r, &t->budget, seq, pkt->payload, pkt->payload_len, &out);
    t->reading = NULL;
    if (pkt->flags & MT_TCP_FIN)
        mt_reasm_fin(r, seq + (uint32_t)pkt->payload_len);
    held_update(t, f);
    if (mt_reasm_finished(&f->rs[0]) && mt_reasm_finished(&f->rs[1])) {
        finish_session(t, f, MT_CLOSE_FIN);
        retire(t, f);
    }
}

void mt_flow_packet(struct mt_flow_table *t, const struct mt_packet *pkt)
{
    t->st.segments++;
    if (pkt->ts > t->now)
        t->now = pkt->ts;
    expire(t);

    struct flow_key k;
    int src_side;
    make_key(pkt, &k, &src_side);
    struct flow *f = flow_for(t, pkt, &k, src_side);
    if (!f)
        return;

    enum mt_dir dir = src_side == f->client_side ? MT_DIR_CLIENT : MT_DIR_SERVER;
    enum mt_dir peer = dir == MT_DIR_CLIENT ? MT_DIR_SERVER : MT_DIR_CLIENT;
    if (pkt->flags & MT_TCP_RST) {
        on_rst(t, f, dir, peer, pkt);
        return;
    }
    remember_ack_and_syn(f, dir, peer, pkt);
    touch(t, f);
    reassemble(t, f, dir, pkt);
}

void mt_flow_tick(struct mt_flow_table *t, mt_time_us now)
{
    if (now > t->now)
        t->now = now;
    expire(t);
}

void mt_flow_finish(struct mt_flow_table *t)
{
    while (t->embryo.head) {
        struct flow *f = t->embryo.head;
        finish_session(t, f, MT_CLOSE_END);
        destroy_flow(t, f);
    }
    while (t->open.head) {
        struct flow *f = t->open.head;
        finish_session(t, f, MT_CLOSE_END);
        destroy_flow(t, f);
    }
    while (t->closed.head)
        destroy_flow(t, t->closed.head);
}

void mt_flow_get_stats(const struct mt_flow_table *t, struct mt_flow_stats *out)
{
    *out = t->st;
    out->live_flows = t->nflows;
    out->held = t->budget.held;
    out->peak_held = t->budget.held_peak;
    out->dup_bytes = t->budget.dup_bytes;
    out->gaps = t->budget.gaps;
    out->gap_bytes = t->budget.gap_bytes;
    out->limit_gaps = t->budget.limit_gaps;
    out->out_of_window = t->budget.out_of_window;
}

struct mt_flow_table *mt_flow_create(const struct mt_flow_config *cfg,
                                     const struct mt_stream_ops *ops)
{
    struct mt_flow_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->cfg = *cfg;
    if (t->cfg.max_flows == 0)
        t->cfg.max_flows = 1;
    t->ops = *ops;
    t->budget.max_dir = cfg->max_dir_held;
    t->budget.max_total = cfg->max_held;
    t->budget.max_recent = cfg->max_held / 4; /* to compare copies of what was passed on */
    t->budget.make_room = make_held_room;
    t->budget.room_ctx = t;
    /* About one bucket per flow, up to a million: chains absorb the rest. */
    t->nbuckets = 64;
    while (t->nbuckets < t->cfg.max_flows && t->nbuckets < (1u << 20))
        t->nbuckets <<= 1;
    t->buckets = calloc(t->nbuckets, sizeof *t->buckets);
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    mt_siphash_random_key(t->hkey);
    return t;
}

void mt_flow_destroy(struct mt_flow_table *t)
{
    if (!t)
        return;
    while (t->embryo.head)
        destroy_flow(t, t->embryo.head);
    while (t->open.head)
        destroy_flow(t, t->open.head);
    while (t->closed.head)
        destroy_flow(t, t->closed.head);
    free(t->buckets);
    free(t);
}
