/*
 * libFuzzer harness for the IP packet parser: any input must parse or be
 * refused with a reason, never read outside pkt[0..len), and a parsed packet
 * must describe itself consistently.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct packet_info info, again;
	const char *why = NULL;

	/* Own allocation of exactly size bytes: ASan sees any overrun. */
	uint8_t *pkt = malloc(size ? size : 1);
	CHECK(pkt != NULL);
	memcpy(pkt, data, size);

	int r = packet_parse(pkt, size, &info, &why);
	if (r < 0) {
		CHECK(r == -EINVAL && why != NULL && why[0] != '\0');
		free(pkt);
		return 0;
	}
	CHECK(r == 0 && why == NULL);
	CHECK(info.header_len <= info.total_len && info.total_len <= size);
	CHECK(info.family == info.src.family && info.family == info.dst.family);
	if (info.family == AF_INET) {
		CHECK(pkt[0] >> 4 == 4);
		CHECK(info.header_len >= 20 && info.header_len <= 60);
		CHECK(memcmp(&info.dst.u.v4, pkt + 16, 4) == 0);
	} else {
		CHECK(info.family == AF_INET6 && pkt[0] >> 4 == 6);
		CHECK(info.header_len >= 40);
		CHECK(memcmp(&info.dst.u.v6, pkt + 24, 16) == 0);
	}
	if (!info.fragment)
		CHECK(info.first_fragment);

	/* Trailing bytes change nothing: the packet cut to its own length
	 * parses the same. */
	CHECK(packet_parse(pkt, info.total_len, &again, NULL) == 0);
	CHECK(again.total_len == info.total_len && again.header_len == info.header_len &&
	      again.proto == info.proto && addr_equal(&again.src, &info.src));
	/* And one byte less is refused. */
	CHECK(packet_parse(pkt, info.total_len - 1, &again, NULL) == -EINVAL);
	free(pkt);
	return 0;
}
