/*
 * frame: the framing of PROTOCOL.md. After the TLS handshake each direction is
 * a stream of frames, `u16 big-endian length | payload`, where the payload is
 * an IPv4 packet (first nibble 4), an IPv6 packet (first nibble 6), a control
 * message (first byte 0x01, then JSON) or a TCP super-packet (first byte 0x02,
 * see gso.h; only once both peers named the "gso" feature). A length of 0, a length above the
 * receiver's maximum and any other first byte are protocol errors that end the
 * stream.
 *
 * Encoding is stateless. Decoding is incremental (struct frame_decoder) because
 * TLS records and frames do not line up: a frame may be split across any
 * number of reads, and one read may carry many frames.
 */
#ifndef TLSVPN_FRAME_H
#define TLSVPN_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define FRAME_HEADER_LEN   2
#define FRAME_MAX_PAYLOAD  65535
#define FRAME_CONTROL_BYTE 0x01
#define FRAME_GSO_BYTE	   0x02

enum frame_kind {
	FRAME_CONTROL = 1,
	FRAME_GSO = 2,
	FRAME_IPV4 = 4,
	FRAME_IPV6 = 6,
};

/* Kind of a payload from its first byte: 0, or -EPROTO (len 0, or a first
 * byte that is neither 0x01, 0x02 nor has version nibble 4 or 6). Whether a
 * GSO frame is allowed on this stream is the session's business. */
int frame_classify(const uint8_t *payload, size_t len, enum frame_kind *kind);

/* Short name of a kind for logs: "control", "ipv4", "ipv6", "gso" or "unknown". */
const char *frame_kind_name(enum frame_kind kind);

/* Write header + payload to out[0..out_cap). Returns the bytes written
 * (len + FRAME_HEADER_LEN), -EMSGSIZE (len 0 or > FRAME_MAX_PAYLOAD) or
 * -ENOSPC (out_cap too small; nothing written). The payload is not classified:
 * senders build payloads themselves. */
int frame_encode(uint8_t *out, size_t out_cap, const uint8_t *payload, size_t len);

/* Write only the header, for callers that place the payload themselves (for
 * instance a packet read from the TUN straight behind it): 0 or -EMSGSIZE. */
int frame_put_header(uint8_t out[FRAME_HEADER_LEN], size_t payload_len);

/* A decoded frame. payload is borrowed: see frame_decoder_next. */
struct frame {
	enum frame_kind kind;
	const uint8_t *payload;
	size_t len;
};

/*
 * Incremental decoder. Treat the fields as private; they are here only so the
 * struct can be embedded in a session without an allocation.
 */
struct frame_decoder {
	size_t max_payload;	       /* frames longer than this are refused */
	uint8_t *part;		       /* owned: max_payload bytes, allocated on the first
					* frame split across calls, kept for reuse until
					* frame_decoder_trim/free */
	size_t part_have;	       /* payload bytes of the unfinished frame in part */
	size_t want;		       /* payload length of the unfinished frame, once its
					* header is complete */
	uint8_t hdr[FRAME_HEADER_LEN]; /* header bytes of the unfinished frame */
	uint8_t hdr_have;	       /* 0..FRAME_HEADER_LEN */
	int error;		       /* 0, or the negative errno that killed the stream */
	char errmsg[64];	       /* text of error */
};

/* max_payload 1..FRAME_MAX_PAYLOAD: 0, or -EINVAL. Allocates nothing. */
int frame_decoder_init(struct frame_decoder *d, size_t max_payload);

/* Changes the limit on a live decoder (1..FRAME_MAX_PAYLOAD): 0, -EINVAL,
 * -EBUSY (a frame in progress is longer than the new limit) or -ENOMEM. */
int frame_decoder_set_max(struct frame_decoder *d, size_t max_payload);

/* Frees the partial-frame buffer. Safe on NULL, a zeroed or an already freed decoder. */
void frame_decoder_free(struct frame_decoder *d);

/* Frees the partial-frame buffer if no frame is in progress (for idle
 * sessions); a later split frame allocates it again. */
void frame_decoder_trim(struct frame_decoder *d);

/*
 * Consumes input from (*data, *len), advancing both. Returns
 *   1  with *out set to the next complete frame; out->payload points into the
 *      caller's input when the frame lay whole in it (zero copy), else into
 *      the decoder's buffer; either way it is valid until the next call on d
 *      and until the caller reuses its input;
 *   0  when all input was consumed (*len == 0) and the next frame is not yet
 *      complete; its bytes are held in the decoder;
 *  <0  -EPROTO (length 0, unknown kind) or -EMSGSIZE (length > max_payload),
 *      or -ENOMEM (partial-frame buffer). The stream is dead: this and every
 *      later call return the same error; frame_decoder_error() says why.
 * The kind is checked as soon as the first payload byte arrives, so garbage
 * is refused without waiting for the length it claims.
 */
int frame_decoder_next(struct frame_decoder *d, const uint8_t **data, size_t *len,
		       struct frame *out);

/* Text of the error that killed the stream ("frame length 0", "frame length
 * 9000 exceeds maximum 1600", "unknown frame kind 0x57"), or "" if none.
 * Points into d. */
const char *frame_decoder_error(const struct frame_decoder *d);

/* Bytes of an unfinished frame held (header bytes included). */
size_t frame_decoder_pending(const struct frame_decoder *d);

#endif /* TLSVPN_FRAME_H */
