#include <stdarg.h>
#include <stdio.h>

#include <mbedtls/error.h>

#include "msg.h"

void msg_err(const char *fmt, ...)
{
	va_list ap;

	fputs("tlsvpn-certs: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *msg_mbedtls(int code)
{
	static char buf[160];

	mbedtls_strerror(code, buf, sizeof(buf));
	return buf;
}
