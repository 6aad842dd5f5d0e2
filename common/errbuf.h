/*
 * The one way library code fills a caller's error buffer: functions that can
 * fail take (char *err, size_t err_len) and describe the failure there, in
 * one line that names what was wrong and where. err may be NULL.
 */
#ifndef TLSVPN_ERRBUF_H
#define TLSVPN_ERRBUF_H

#include <stddef.h>

void errbuf_set(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
