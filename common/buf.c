/*
 * buf: bounded byte buffer. See buf.h. Every check is written as a comparison
 * against what is left (avail/space), never as off + n, so no sum can wrap.
 */
#include <errno.h>
#include <string.h>

#include "buf.h"

void buf_init(struct buf *b, uint8_t *mem, size_t cap)
{
	b->data = mem;
	b->cap = mem != NULL ? cap : 0;
	b->len = 0;
	b->off = 0;
}

void buf_init_ro(struct buf *b, const uint8_t *mem, size_t len)
{
	/* cap == len keeps the writers failing with -ENOSPC while unread
	 * bytes remain; buf.h forbids them anyway. */
	b->data = (uint8_t *)mem;
	b->cap = mem != NULL ? len : 0;
	b->len = b->cap;
	b->off = 0;
}

size_t buf_avail(const struct buf *b)
{
	return b->len - b->off;
}

size_t buf_space(const struct buf *b)
{
	return b->cap - b->len;
}

const uint8_t *buf_rptr(const struct buf *b)
{
	return b->data + b->off;
}

uint8_t *buf_wptr(struct buf *b)
{
	return b->data + b->len;
}

int buf_put_bytes(struct buf *b, const void *p, size_t n)
{
	if (n > buf_space(b))
		return -ENOSPC;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int buf_put_u8(struct buf *b, uint8_t v)
{
	return buf_put_bytes(b, &v, 1);
}

int buf_put_u16(struct buf *b, uint16_t v)
{
	uint8_t tmp[2];
	be16_store(tmp, v);
	return buf_put_bytes(b, tmp, sizeof(tmp));
}

int buf_put_u32(struct buf *b, uint32_t v)
{
	uint8_t tmp[4];
	be32_store(tmp, v);
	return buf_put_bytes(b, tmp, sizeof(tmp));
}

int buf_get_bytes(struct buf *b, void *p, size_t n)
{
	if (n > buf_avail(b))
		return -ENODATA;
	if (n > 0)
		memcpy(p, b->data + b->off, n);
	return buf_consume(b, n);
}

int buf_get_u8(struct buf *b, uint8_t *v)
{
	return buf_get_bytes(b, v, 1);
}

int buf_get_u16(struct buf *b, uint16_t *v)
{
	uint8_t tmp[2];
	int r = buf_get_bytes(b, tmp, sizeof(tmp));
	if (r == 0)
		*v = be16_load(tmp);
	return r;
}

int buf_get_u32(struct buf *b, uint32_t *v)
{
	uint8_t tmp[4];
	int r = buf_get_bytes(b, tmp, sizeof(tmp));
	if (r == 0)
		*v = be32_load(tmp);
	return r;
}

int buf_peek_u8(const struct buf *b, size_t at, uint8_t *v)
{
	if (at >= buf_avail(b))
		return -ENODATA;
	*v = b->data[b->off + at];
	return 0;
}

int buf_peek_u16(const struct buf *b, size_t at, uint16_t *v)
{
	if (at >= buf_avail(b) || buf_avail(b) - at < 2)
		return -ENODATA;
	*v = be16_load(b->data + b->off + at);
	return 0;
}

int buf_consume(struct buf *b, size_t n)
{
	if (n > buf_avail(b))
		return -ENODATA;
	b->off += n;
	/* A drained queue starts over at the front, so the common case (all
	 * of it was sent or parsed) needs no buf_compact copy. */
	if (b->off == b->len) {
		b->off = 0;
		b->len = 0;
	}
	return 0;
}

int buf_commit(struct buf *b, size_t n)
{
	if (n > buf_space(b))
		return -ENOSPC;
	b->len += n;
	return 0;
}

void buf_compact(struct buf *b)
{
	size_t avail = buf_avail(b);
	if (b->off == 0)
		return;
	if (avail > 0)
		memmove(b->data, b->data + b->off, avail);
	b->off = 0;
	b->len = avail;
}

void buf_reset(struct buf *b)
{
	b->off = 0;
	b->len = 0;
}
