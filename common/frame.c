/*
 * frame: `u16 length | payload` framing. See frame.h.
 *
 * The decoder takes frames straight out of the caller's input whenever a whole
 * payload lies there (the normal case: one TLS record carries many complete
 * frames) and copies only the payload of a frame split across reads. The
 * header is kept apart in hdr[] so that a split inside the two length bytes
 * alone costs no allocation either.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "frame.h"

int frame_classify(const uint8_t *payload, size_t len, enum frame_kind *kind)
{
	if (len == 0)
		return -EPROTO;
	if (payload[0] == FRAME_CONTROL_BYTE) {
		*kind = FRAME_CONTROL;
		return 0;
	}
	if (payload[0] == FRAME_GSO_BYTE) {
		*kind = FRAME_GSO;
		return 0;
	}
	switch (payload[0] >> 4) {
	case 4:
		*kind = FRAME_IPV4;
		return 0;
	case 6:
		*kind = FRAME_IPV6;
		return 0;
	default:
		return -EPROTO;
	}
}

const char *frame_kind_name(enum frame_kind kind)
{
	switch (kind) {
	case FRAME_CONTROL:
		return "control";
	case FRAME_IPV4:
		return "ipv4";
	case FRAME_IPV6:
		return "ipv6";
	case FRAME_GSO:
		return "gso";
	}
	return "unknown";
}

int frame_put_header(uint8_t out[FRAME_HEADER_LEN], size_t payload_len)
{
	if (payload_len == 0 || payload_len > FRAME_MAX_PAYLOAD)
		return -EMSGSIZE;
	be16_store(out, (uint16_t)payload_len);
	return 0;
}

int frame_encode(uint8_t *out, size_t out_cap, const uint8_t *payload, size_t len)
{
	if (len == 0 || len > FRAME_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (out_cap < FRAME_HEADER_LEN || out_cap - FRAME_HEADER_LEN < len)
		return -ENOSPC;
	frame_put_header(out, len);
	memcpy(out + FRAME_HEADER_LEN, payload, len);
	return (int)(len + FRAME_HEADER_LEN);
}

int frame_decoder_init(struct frame_decoder *d, size_t max_payload)
{
	memset(d, 0, sizeof(*d));
	if (max_payload == 0 || max_payload > FRAME_MAX_PAYLOAD)
		return -EINVAL;
	d->max_payload = max_payload;
	return 0;
}

int frame_decoder_set_max(struct frame_decoder *d, size_t max_payload)
{
	if (max_payload == 0 || max_payload > FRAME_MAX_PAYLOAD)
		return -EINVAL;
	/* A frame in progress was admitted under the old limit and is buffered
	 * in a buffer of the old size: it must still fit. */
	if (d->hdr_have == FRAME_HEADER_LEN && d->want > max_payload)
		return -EBUSY;
	if (d->part != NULL && max_payload != d->max_payload) {
		uint8_t *p = realloc(d->part, max_payload);
		if (p == NULL)
			return -ENOMEM;
		d->part = p;
	}
	d->max_payload = max_payload;
	return 0;
}

void frame_decoder_free(struct frame_decoder *d)
{
	if (d == NULL)
		return;
	free(d->part);
	d->part = NULL;
	d->part_have = 0;
}

void frame_decoder_trim(struct frame_decoder *d)
{
	if (d->part_have == 0) {
		free(d->part);
		d->part = NULL;
	}
}

const char *frame_decoder_error(const struct frame_decoder *d)
{
	return d->errmsg;
}

size_t frame_decoder_pending(const struct frame_decoder *d)
{
	return d->hdr_have + d->part_have;
}

/* The stream is dead from here on; errmsg was written by the caller. */
static int fail(struct frame_decoder *d, int err)
{
	d->error = err;
	return err;
}

/* Header complete: the length it announces must be possible. */
static int check_length(struct frame_decoder *d)
{
	d->want = be16_load(d->hdr);
	if (d->want == 0) {
		snprintf(d->errmsg, sizeof(d->errmsg), "frame length 0");
		return fail(d, -EPROTO);
	}
	if (d->want > d->max_payload) {
		snprintf(d->errmsg, sizeof(d->errmsg), "frame length %zu exceeds maximum %zu",
			 d->want, d->max_payload);
		return fail(d, -EMSGSIZE);
	}
	return 0;
}

/* First payload byte seen: refuse garbage before buffering what it claims. */
static int check_kind(struct frame_decoder *d, uint8_t first, enum frame_kind *kind)
{
	if (frame_classify(&first, 1, kind) < 0) {
		snprintf(d->errmsg, sizeof(d->errmsg), "unknown frame kind 0x%02x", first);
		return fail(d, -EPROTO);
	}
	return 0;
}

static void advance(const uint8_t **data, size_t *len, size_t n)
{
	*data += n;
	*len -= n;
}

/* The frame whose header is complete is ready or partly buffered. */
static int take_payload(struct frame_decoder *d, const uint8_t **data, size_t *len,
			struct frame *out)
{
	enum frame_kind kind = FRAME_CONTROL;
	int r;

	if (d->part_have == 0) {
		if (*len == 0)
			return 0;
		if ((r = check_kind(d, (*data)[0], &kind)) < 0)
			return r;
		if (*len >= d->want) {
			/* Whole payload in the caller's input: no copy. */
			out->kind = kind;
			out->payload = *data;
			out->len = d->want;
			advance(data, len, d->want);
			d->hdr_have = 0;
			return 1;
		}
		if (d->part == NULL && (d->part = malloc(d->max_payload)) == NULL) {
			snprintf(d->errmsg, sizeof(d->errmsg),
				 "out of memory for a %zu-byte frame buffer", d->max_payload);
			return fail(d, -ENOMEM);
		}
	}

	size_t n = d->want - d->part_have;
	if (n > *len)
		n = *len;
	memcpy(d->part + d->part_have, *data, n);
	d->part_have += n;
	advance(data, len, n);
	if (d->part_have < d->want)
		return 0;

	/* The kind was checked when the first byte arrived. */
	frame_classify(d->part, d->want, &kind);
	out->kind = kind;
	out->payload = d->part;
	out->len = d->want;
	d->hdr_have = 0;
	d->part_have = 0;
	return 1;
}

int frame_decoder_next(struct frame_decoder *d, const uint8_t **data, size_t *len,
		       struct frame *out)
{
	int r;

	if (d->error != 0)
		return d->error;

	if (d->hdr_have < FRAME_HEADER_LEN) {
		if (d->hdr_have == 0 && *len >= FRAME_HEADER_LEN) {
			memcpy(d->hdr, *data, FRAME_HEADER_LEN);
			d->hdr_have = FRAME_HEADER_LEN;
			advance(data, len, FRAME_HEADER_LEN);
		} else {
			while (d->hdr_have<FRAME_HEADER_LEN && * len> 0) {
				d->hdr[d->hdr_have++] = (*data)[0];
				advance(data, len, 1);
			}
			if (d->hdr_have < FRAME_HEADER_LEN)
				return 0;
		}
		if ((r = check_length(d)) < 0)
			return r;
	}
	return take_payload(d, data, len, out);
}
