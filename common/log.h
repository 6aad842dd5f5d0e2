/*
 * Logging: one line per event, "key=value" pairs, to stderr or syslog.
 *
 * Line format on stderr:
 *   2026-11-24T03:51:57Z tlsvpn-server[123]: level=info event=client_connected cn=alice
 * Callers write the message part ("event=... key=value ..."). Any value that comes
 * from a peer, a file or the command line goes through log_quote() so that it cannot
 * forge extra keys or extra lines.
 *
 * Each line is emitted with a single write() (or one syslog() call), so lines from
 * several processes sharing stderr never interleave. Lines longer than LOG_LINE_MAX
 * are truncated and end in "...".
 *
 * Never log secrets (private keys, passwords, session keys) or packet contents: that
 * is the caller's responsibility, the logger cannot tell.
 *
 * The logger keeps process-wide state (program name, level, sink); it is not
 * thread-safe to call log_init()/log_set_level() while other threads log.
 */
#ifndef TLSVPN_LOG_H
#define TLSVPN_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

/* Longest line written, including the timestamp prefix and the newline. */
#define LOG_LINE_MAX 2048

/*
 * progname is copied (truncated to 63 bytes); NULL keeps "tlsvpn". With use_syslog
 * the lines go to syslog (facility LOG_DAEMON, with the pid) without the timestamp
 * prefix. May be called again to change the settings. Before any call, the logger
 * writes level info and above to stderr as "tlsvpn".
 */
void log_init(const char *progname, enum log_level level, bool use_syslog);
void log_set_level(enum log_level level);
bool log_enabled(enum log_level level);

/* "error", "warn", "info", "debug" (exact, lower case): 0, else -EINVAL (out untouched). */
int log_level_parse(const char *s, enum log_level *out);
/* "error" .. "debug"; "unknown" for a value out of range. */
const char *log_level_name(enum log_level level);

/*
 * Writes one line if lvl is enabled. func (may be NULL) is added as "func=NAME" at the
 * end of the line when lvl is LOG_LEVEL_DEBUG. A trailing newline in the message is
 * dropped; any other control character in the formatted message is replaced by '?'
 * (callers should quote values; this is the last line of defence).
 */
void log_write(enum log_level lvl, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_error(...) log_write(LOG_LEVEL_ERROR, __func__, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_LEVEL_WARN, __func__, __VA_ARGS__)
#define log_info(...)  log_write(LOG_LEVEL_INFO, __func__, __VA_ARGS__)
#define log_debug(...)                                                                             \
	do {                                                                                       \
		if (log_enabled(LOG_LEVEL_DEBUG))                                                  \
			log_write(LOG_LEVEL_DEBUG, __func__, __VA_ARGS__);                         \
	} while (0)

/*
 * Makes s safe as a key=value value. Returns s itself when it is non-empty and holds
 * only printable ASCII other than space, '"', '\\' and '='; otherwise writes into buf
 * a double-quoted copy with '"' and '\\' backslash-escaped, \n \r \t as such, and other
 * bytes < 0x20, 0x7f and >= 0x80 as \xHH, and returns buf. If buf is too small the
 * quoted copy is truncated, ends in "..." and is still closed with '"'. s == NULL gives
 * "(null)". buf must hold at least 8 bytes; len == 0 or buf == NULL returns "\"\"".
 * A buffer of LOG_QUOTE_MAX(n) bytes holds any n-byte string in full.
 */
#define LOG_QUOTE_MAX(n) (4 * (size_t)(n) + 3)
const char *log_quote(const char *s, char *buf, size_t len);

#endif
