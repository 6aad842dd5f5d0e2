/*
 * Rendering a JSON value inside an error message: compact, ASCII-only (so a
 * hostile peer or file cannot put control characters or forged log lines
 * into our messages), and cut to the buffer with "..." when too long.
 */
#ifndef TLSVPN_JSONFMT_H
#define TLSVPN_JSONFMT_H

#include <jansson.h>
#include <stddef.h>

/* Writes the rendering into buf (len >= 4) and returns buf. */
const char *jsonfmt_value(const json_t *v, char *buf, size_t len);

#endif
