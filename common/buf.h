/*
 * buf: a bounded byte buffer over memory the caller owns.
 *
 * Layout of data[0..cap):  [consumed | unread (off..len) | free space (len..cap)]
 * Readers take bytes from off (buf_get_*, buf_rptr + buf_consume); writers
 * append at len (buf_put_*, buf_wptr + buf_commit). Nothing here allocates or
 * frees: the struct only borrows data, so a buf can sit over a stack array, a
 * session's reusable queue or a read-only packet (then only the readers may
 * be used). Every operation checks its bounds and leaves the buffer unchanged
 * when it fails.
 *
 * The be*_load/be*_store helpers read and write big-endian integers at a
 * pointer the caller has already bounds-checked; they exist so that parsers
 * of a const byte span need no struct buf and no unaligned casts.
 */
#ifndef TLSVPN_BUF_H
#define TLSVPN_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *data; /* caller owns; not freed here */
	size_t cap;    /* size of data */
	size_t len;    /* end of written bytes */
	size_t off;    /* start of unread bytes; off <= len <= cap */
};

/* An empty buffer over mem[0..cap). mem may be NULL only when cap is 0. */
void buf_init(struct buf *b, uint8_t *mem, size_t cap);

/* A buffer whose unread bytes are mem[0..len), for parsing with the getters and peekers.
 * The const is cast away: callers must not use the writers on it. */
void buf_init_ro(struct buf *b, const uint8_t *mem, size_t len);

size_t buf_avail(const struct buf *b);	      /* len - off: bytes left to read */
size_t buf_space(const struct buf *b);	      /* cap - len: bytes that can be appended */
const uint8_t *buf_rptr(const struct buf *b); /* first unread byte */
uint8_t *buf_wptr(struct buf *b);	      /* first free byte */

/* Append big-endian integers or raw bytes: 0, or -ENOSPC (nothing written). */
int buf_put_u8(struct buf *b, uint8_t v);
int buf_put_u16(struct buf *b, uint16_t v);
int buf_put_u32(struct buf *b, uint32_t v);
int buf_put_bytes(struct buf *b, const void *p, size_t n);

/* Read big-endian integers or raw bytes: 0, or -ENODATA (nothing consumed). */
int buf_get_u8(struct buf *b, uint8_t *v);
int buf_get_u16(struct buf *b, uint16_t *v);
int buf_get_u32(struct buf *b, uint32_t *v);
int buf_get_bytes(struct buf *b, void *p, size_t n);

/* Peek without consuming: 0, or -ENODATA. */
int buf_peek_u8(const struct buf *b, size_t at, uint8_t *v);
int buf_peek_u16(const struct buf *b, size_t at, uint16_t *v);

/* Mark n unread bytes as read: 0, or -ENODATA if fewer than n are unread.
 * When the last unread byte is consumed, off and len go back to 0 so the
 * whole capacity is free again without a copy. */
int buf_consume(struct buf *b, size_t n);

/* Mark n bytes written at buf_wptr() as data: 0, or -ENOSPC. */
int buf_commit(struct buf *b, size_t n);

/* Move the unread bytes to the front, so buf_space() becomes cap - avail. */
void buf_compact(struct buf *b);

/* Forget all contents; capacity stays. */
void buf_reset(struct buf *b);

static inline uint16_t be16_load(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t be32_load(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void be16_store(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void be32_store(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif /* TLSVPN_BUF_H */
