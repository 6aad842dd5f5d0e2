/*
 * libFuzzer harness for the incremental frame decoder.
 *
 * Input layout: u16 max_payload seed | u8 n | n chunk sizes | stream.
 * The stream is fed in chunks whose sizes cycle through the n sizes (0 means
 * an empty call), and the frames that come out are compared with a naive
 * reference decoder that sees the whole stream at once: same frames, same
 * error, same bytes left pending. Every payload must also re-encode to the
 * exact bytes it came from.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

/* Reference: the next frame of s[pos..n) as whole-stream decoding sees it.
 * Returns 1 (frame at *off, *flen), 0 (incomplete) or the negative error. */
static int reference_next(const uint8_t *s, size_t n, size_t *pos, size_t max, size_t *off,
			  size_t *flen)
{
	size_t left = n - *pos;
	if (left < 2)
		return 0;
	size_t l = be16_load(s + *pos);
	if (l == 0)
		return -EPROTO;
	if (l > max)
		return -EMSGSIZE;
	if (left > 2) {
		enum frame_kind k;
		if (frame_classify(s + *pos + 2, 1, &k) < 0)
			return -EPROTO;
	}
	if (left - 2 < l)
		return 0;
	*off = *pos + 2;
	*flen = l;
	*pos += 2 + l;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	size_t max = 1 + be16_load(data) % FRAME_MAX_PAYLOAD;
	size_t nsizes = data[2];
	if (size - 3 < nsizes)
		return 0;
	const uint8_t *sizes = data + 3;
	const uint8_t *stream = sizes + nsizes;
	size_t slen = size - 3 - nsizes;

	struct frame_decoder d;
	CHECK(frame_decoder_init(&d, max) == 0);

	size_t ref_pos = 0, fed = 0, chunk_no = 0, idle = 0;
	int r = 0;
	while (fed < slen && r >= 0) {
		/* Chunk sizes cycle through the size bytes, the second round
		 * scaled up so that large chunks occur too. A size of 0 makes
		 * an empty call, which must change nothing; a whole round of
		 * them falls back to 1 byte so the loop always progresses. */
		size_t want = 256;
		if (nsizes > 0) {
			want = sizes[chunk_no % nsizes];
			if ((chunk_no / nsizes) % 2 == 1)
				want *= 37;
		}
		chunk_no++;
		if (want == 0 && ++idle > nsizes)
			want = 1;
		if (want > 0)
			idle = 0;
		if (want > slen - fed)
			want = slen - fed;
		/* Copy the chunk to its own allocation so ASan catches any read
		 * past the bytes handed over. */
		uint8_t *chunk = malloc(want ? want : 1);
		CHECK(chunk != NULL);
		memcpy(chunk, stream + fed, want);
		const uint8_t *p = chunk;
		size_t len = want;
		struct frame f;
		size_t pending_before = frame_decoder_pending(&d);

		while ((r = frame_decoder_next(&d, &p, &len, &f)) == 1) {
			size_t off, flen;
			CHECK(reference_next(stream, slen, &ref_pos, max, &off, &flen) == 1);
			CHECK(f.len == flen && f.len >= 1 && f.len <= max);
			CHECK(memcmp(f.payload, stream + off, flen) == 0);
			enum frame_kind k;
			CHECK(frame_classify(f.payload, f.len, &k) == 0 && k == f.kind);
			/* Zero copy exactly when the payload was in this chunk. */
			if (f.payload >= chunk && f.payload < chunk + want)
				CHECK(f.payload + f.len <= chunk + want);
			else
				CHECK(f.payload == d.part);
			uint8_t *re = malloc(flen + 2);
			CHECK(re != NULL);
			CHECK(frame_encode(re, flen + 2, f.payload, f.len) == (int)flen + 2);
			CHECK(memcmp(re, stream + off - 2, flen + 2) == 0);
			free(re);
		}
		CHECK(p >= chunk && p <= chunk + want && (size_t)(p - chunk) + len == want);
		if (r == 0) {
			CHECK(len == 0);
			fed += want;
			CHECK(frame_decoder_pending(&d) == fed - ref_pos);
			CHECK(frame_decoder_pending(&d) <= FRAME_HEADER_LEN + max);
			if (want == 0)
				CHECK(frame_decoder_pending(&d) == pending_before);
		} else {
			CHECK(r == -EPROTO || r == -EMSGSIZE);
			size_t off, flen;
			CHECK(reference_next(stream, slen, &ref_pos, max, &off, &flen) == r);
			CHECK(frame_decoder_error(&d)[0] != '\0');
			/* Dead stays dead. */
			const uint8_t ok[] = {0, 1, 0x45};
			const uint8_t *q = ok;
			size_t qlen = sizeof(ok);
			CHECK(frame_decoder_next(&d, &q, &qlen, &f) == r);
		}
		free(chunk);
	}
	if (r == 0) {
		/* All fed: the reference finds nothing more either. */
		size_t off, flen;
		CHECK(reference_next(stream, slen, &ref_pos, max, &off, &flen) == 0);
		CHECK(frame_decoder_error(&d)[0] == '\0');
	}
	frame_decoder_trim(&d);
	frame_decoder_free(&d);
	return 0;
}
