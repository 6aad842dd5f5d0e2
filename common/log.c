/*
 * Logging: formats each line into one buffer and hands it to the sink in one call,
 * so concurrent writers (server and its privileged helper sharing stderr) never
 * interleave within a line.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static struct {
	char progname[64];
	enum log_level level;
	bool use_syslog;
} state = {"tlsvpn", LOG_LEVEL_INFO, false};

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_init(const char *progname, enum log_level level, bool use_syslog)
{
	if (progname != NULL)
		snprintf(state.progname, sizeof(state.progname), "%s", progname);
	log_set_level(level);
	if (state.use_syslog && !use_syslog)
		closelog();
	state.use_syslog = use_syslog;
	if (use_syslog)
		openlog(state.progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_level(enum log_level level)
{
	if (level > LOG_LEVEL_DEBUG)
		level = LOG_LEVEL_DEBUG;
	state.level = level;
}

bool log_enabled(enum log_level level)
{
	return level <= state.level;
}

int log_level_parse(const char *s, enum log_level *out)
{
	if (s == NULL)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *log_level_name(enum log_level level)
{
	if ((unsigned)level >= sizeof(level_names) / sizeof(level_names[0]))
		return "unknown";
	return level_names[level];
}

static int syslog_priority(enum log_level lvl)
{
	switch (lvl) {
	case LOG_LEVEL_ERROR:
		return LOG_ERR;
	case LOG_LEVEL_WARN:
		return LOG_WARNING;
	case LOG_LEVEL_INFO:
		return LOG_INFO;
	default:
		return LOG_DEBUG;
	}
}

/* Appends with snprintf semantics but never moves *pos past cap - 1. */
static void append(char *buf, size_t cap, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t cap, size_t *pos, const char *fmt, ...)
{
	if (*pos >= cap - 1)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *pos, cap - *pos, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*pos = (size_t)n >= cap - *pos ? cap - 1 : *pos + (size_t)n;
}

/* Peer data that slipped through unquoted must not start a new line or forge a prefix. */
static void scrub(char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch < 0x20 || ch == 0x7f)
			s[i] = '?';
	}
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return; /* nowhere left to report it */
		}
		buf += n;
		len -= (size_t)n;
	}
}

void log_write(enum log_level lvl, const char *func, const char *fmt, ...)
{
	if (!log_enabled(lvl))
		return;
	int saved_errno = errno;
	char line[LOG_LINE_MAX];
	size_t pos = 0;

	if (!state.use_syslog) {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		pos = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ ", &tm);
		append(line, sizeof(line), &pos, "%s[%ld]: ", state.progname, (long)getpid());
	}
	append(line, sizeof(line), &pos, "level=%s ", log_level_name(lvl));

	size_t msg_start = pos;
	va_list ap;
	va_start(ap, fmt);
	errno = saved_errno; /* so %m in fmt still names the caller's error */
	int n = vsnprintf(line + pos, sizeof(line) - pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		pos = (size_t)n >= sizeof(line) - pos ? sizeof(line) - 1 : pos + (size_t)n;
	while (pos > msg_start && line[pos - 1] == '\n')
		pos--;
	line[pos] = '\0';
	scrub(line + msg_start, pos - msg_start);

	if (lvl == LOG_LEVEL_DEBUG && func != NULL)
		append(line, sizeof(line), &pos, " func=%s", func);

	/* Truncated: mark it, keeping room for the newline. */
	if (pos >= sizeof(line) - 2) {
		pos = sizeof(line) - 5;
		memcpy(line + pos, "...", 3);
		pos += 3;
	}
	if (state.use_syslog) {
		line[pos] = '\0';
		syslog(syslog_priority(lvl), "%s", line);
	} else {
		line[pos++] = '\n';
		write_all(STDERR_FILENO, line, pos);
	}
	errno = saved_errno;
}

static bool needs_quoting(const char *s)
{
	if (*s == '\0')
		return true;
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch <= 0x20 || ch >= 0x7f || ch == '"' || ch == '\\' || ch == '=')
			return true;
	}
	return false;
}

/* Escape sequence for one byte into esc (at most 5 bytes with NUL); returns its length. */
static size_t escape_byte(unsigned char ch, char esc[5])
{
	switch (ch) {
	case '"':
		return (size_t)snprintf(esc, 5, "\\\"");
	case '\\':
		return (size_t)snprintf(esc, 5, "\\\\");
	case '\n':
		return (size_t)snprintf(esc, 5, "\\n");
	case '\r':
		return (size_t)snprintf(esc, 5, "\\r");
	case '\t':
		return (size_t)snprintf(esc, 5, "\\t");
	default:
		if (ch < 0x20 || ch >= 0x7f)
			return (size_t)snprintf(esc, 5, "\\x%02x", ch);
		esc[0] = (char)ch;
		esc[1] = '\0';
		return 1;
	}
}

const char *log_quote(const char *s, char *buf, size_t len)
{
	if (buf == NULL || len < 8)
		return "\"\"";
	if (s == NULL)
		return "(null)";
	if (!needs_quoting(s))
		return s;

	size_t need = 3; /* two quotes and the NUL */
	for (const char *p = s; *p != '\0' && need <= len; p++) {
		char esc[5];
		need += escape_byte((unsigned char)*p, esc);
	}
	bool fits = need <= len;

	size_t pos = 0;
	buf[pos++] = '"';
	for (const char *p = s; *p != '\0'; p++) {
		char esc[5];
		size_t n = escape_byte((unsigned char)*p, esc);
		/* When cutting, keep room for "..." + closing quote + NUL after this escape. */
		if (!fits && pos + n + 5 > len) {
			memcpy(buf + pos, "...", 3);
			pos += 3;
			break;
		}
		memcpy(buf + pos, esc, n);
		pos += n;
	}
	buf[pos++] = '"';
	buf[pos] = '\0';
	return buf;
}
