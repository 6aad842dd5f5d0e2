#include "jsonfmt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *jsonfmt_value(const json_t *v, char *buf, size_t len)
{
	/* json_dumpb leaves the buffer unspecified when the text does not fit: dump whole. */
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
	if (s == NULL) {
		snprintf(buf, len, "(unprintable)");
		return buf;
	}
	size_t n = strlen(s);
	if (n > len - 1) {
		memcpy(buf, s, len - 4);
		memcpy(buf + len - 4, "...", 4);
	} else {
		memcpy(buf, s, n + 1);
	}
	free(s);
	return buf;
}
