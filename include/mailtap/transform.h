/* Byte transforms: the stage between reassembly and the dissector's
 * framing. One direction of a session has a stack of them (a chain), each
 * turning the bytes of the layer below into bytes for the layer above:
 * TLS records into plaintext, DEFLATE into what it compresses. A layer is
 * pushed mid-stream (after a ClientHello, STARTTLS, COMPRESS) and takes
 * every byte from that point on, also the rest of the segment that carried
 * the switch. A layer passes gaps on, or says that from here its direction
 * cannot be read, and why. The dissector above never knows whether its
 * bytes were decrypted or inflated. A transform never prints and never
 * emits events; whatever it holds is bounded by a limit of its own. */
#ifndef MAILTAP_TRANSFORM_H
#define MAILTAP_TRANSFORM_H

#include <stddef.h>
#include <stdint.h>

/* Layers one direction may have: TLS, then COMPRESS inside it, with room. */
#define MT_XFORM_MAX 4
/* The longest reason a layer gives for giving up. */
#define MT_XFORM_WHY_MAX 160

/* Where a layer writes its output: the next layer up, or the consumer. */
struct mt_xform_out {
    void (*data)(void *ctx, const uint8_t *p, size_t n); /* p valid during the call */
    void (*gap)(void *ctx, uint64_t n);                   /* n output bytes lost */
    void *ctx;
};

/* A transform. data, gap and end return 0, or -1 after writing in why
 * (up to MT_XFORM_WHY_MAX bytes, NUL included) the reason this direction
 * can no longer be read; the layer then gets nothing more. */
struct mt_xform_ops {
    const char *name; /* "identity", "tls", "deflate": said with a reason */
    int (*data)(void *st, const uint8_t *p, size_t n, const struct mt_xform_out *out, char *why);
    /* n input bytes were lost. A layer that can find its way again passes
     * a gap on (of the output it thinks lost, 0 if it cannot tell); one
     * that cannot (a compressed or encrypted stream) gives up. */
    int (*gap)(void *st, uint64_t n, const struct mt_xform_out *out, char *why);
    /* End of the stream: writes out what it still holds. */
    int (*end)(void *st, const struct mt_xform_out *out, char *why);
    void (*destroy)(void *st); /* NULL for stateless transforms */
};

/* The layers that ship with the stage. identity passes everything on as
 * it is (the shape every transform has, and what the tests stack);
 * opaque swallows bytes and gaps alike: a direction that is encrypted and
 * for which no key is known, so nothing further is framed. */
extern const struct mt_xform_ops mt_xform_identity;
extern const struct mt_xform_ops mt_xform_opaque;

/* The consumer above the chain (the dissector's framing). data returns how
 * many bytes it took: fewer than n only when a layer was pushed while it
 * read them, and the rest then goes through that layer. unreadable is said
 * once, when a layer gives up. */
struct mt_xform_top {
    size_t (*data)(void *ctx, const uint8_t *p, size_t n);
    void (*gap)(void *ctx, uint64_t n);
    void (*unreadable)(void *ctx, const char *layer, const char *why);
};

struct mt_xform_layer {
    const struct mt_xform_ops *ops;
    void *st;
    struct mt_xform_chain *chain;
    unsigned level;
};

/* A chain lives where it was initialised: its layers point back to it. */
struct mt_xform_chain {
    struct mt_xform_layer layer[MT_XFORM_MAX];
    unsigned depth;
    int dead;           /* first layer that gave up, -1 for none */
    unsigned at;        /* whose output the consumer reads now (during a call) */
    uint64_t unread;    /* bytes that reached a layer after it gave up */
    const struct mt_xform_top *top;
    void *top_ctx;
};

void mt_xform_init(struct mt_xform_chain *c, const struct mt_xform_top *top, void *top_ctx);

/* Puts a layer on top; st is the layer's own (given to destroy by
 * mt_xform_free). Returns -1, leaving st to the caller, when the chain is
 * full or has given up already. */
int mt_xform_push(struct mt_xform_chain *c, const struct mt_xform_ops *ops, void *st);

/* Bytes and gaps of the direction, from reassembly. */
void mt_xform_feed(struct mt_xform_chain *c, const uint8_t *p, size_t n);
void mt_xform_gap(struct mt_xform_chain *c, uint64_t n);

/* For the consumer, during its data or gap call: bytes it kept from
 * before (a buffer it had held) handed on now, through the layers pushed
 * while it read, or back to itself if there are none. */
void mt_xform_reinject(struct mt_xform_chain *c, const uint8_t *p, size_t n);

/* End of the direction: each layer, lowest first, writes out what it
 * holds. */
void mt_xform_end(struct mt_xform_chain *c);

/* Destroys every layer. */
void mt_xform_free(struct mt_xform_chain *c);

/* Whether a layer gave up: nothing more reaches the consumer. */
static inline int mt_xform_unreadable(const struct mt_xform_chain *c) { return c->dead >= 0; }

#endif
