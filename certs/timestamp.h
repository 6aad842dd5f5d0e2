/*
 * timestamp: the one time format of tlsvpn-certs, "YYYYMMDDhhmmss" in UTC.
 *
 * mbedTLS's certificate writer takes validity in this form, index.json stores it, and
 * admins type it for --not-before/--not-after, so one parser and one formatter serve
 * all three. Pure functions: no I/O, no globals, no allocation.
 */
#ifndef TLSVPN_CERTS_TIMESTAMP_H
#define TLSVPN_CERTS_TIMESTAMP_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define TIMESTAMP_LEN 14 /* characters, without the terminating NUL */

/* Writes t as "YYYYMMDDhhmmss" into out (TIMESTAMP_LEN + 1 bytes). Returns 0, or
 * -ERANGE when the year is outside 1950..9999 (not representable in X.509). */
int timestamp_format(time_t t, char out[TIMESTAMP_LEN + 1]);

/* Parses exactly 14 digits of a valid UTC date and time (years 1950..9999).
 * Returns 0 and sets *out, or -EINVAL. */
int timestamp_parse(const char *s, time_t *out);

/* Writes t as "YYYY-MM-DDThh:mm:ssZ" for people; out_size >= 21. Returns 0 or -ERANGE. */
int timestamp_format_iso(time_t t, char *out, size_t out_size);

#endif
