#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "timestamp.h"

/* The earliest and latest instants X.509 can express (UTCTime starts at 1950,
 * GeneralizedTime ends at 9999). */
#define YEAR_MIN 1950
#define YEAR_MAX 9999

int timestamp_format(time_t t, char out[TIMESTAMP_LEN + 1])
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL)
		return -ERANGE;
	if (tm.tm_year + 1900 < YEAR_MIN || tm.tm_year + 1900 > YEAR_MAX)
		return -ERANGE;
	/* The fields are in range after gmtime_r and the year check; the casts
	 * tell the compiler so. */
	snprintf(out, TIMESTAMP_LEN + 1, "%04u%02u%02u%02u%02u%02u", (unsigned)(tm.tm_year + 1900),
		 (unsigned)(tm.tm_mon + 1) % 100u, (unsigned)tm.tm_mday % 100u,
		 (unsigned)tm.tm_hour % 100u, (unsigned)tm.tm_min % 100u,
		 (unsigned)tm.tm_sec % 100u);
	return 0;
}

int timestamp_format_iso(time_t t, char *out, size_t out_size)
{
	struct tm tm;

	if (out_size < 21 || gmtime_r(&t, &tm) == NULL)
		return -ERANGE;
	if (tm.tm_year + 1900 < YEAR_MIN || tm.tm_year + 1900 > YEAR_MAX)
		return -ERANGE;
	snprintf(out, out_size, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return 0;
}

static int digits(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static int days_in_month(int year, int mon)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return mon == 2 && leap ? 29 : days[mon - 1];
}

int timestamp_parse(const char *s, time_t *out)
{
	struct tm tm;
	int year, mon;

	if (s == NULL || strlen(s) != TIMESTAMP_LEN)
		return -EINVAL;
	for (size_t i = 0; i < TIMESTAMP_LEN; i++)
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
	memset(&tm, 0, sizeof(tm));
	year = digits(s, 4);
	mon = digits(s + 4, 2);
	tm.tm_mday = digits(s + 6, 2);
	tm.tm_hour = digits(s + 8, 2);
	tm.tm_min = digits(s + 10, 2);
	tm.tm_sec = digits(s + 12, 2);
	if (year < YEAR_MIN || mon < 1 || mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > days_in_month(year, mon) || tm.tm_hour > 23 || tm.tm_min > 59 ||
	    tm.tm_sec > 59)
		return -EINVAL;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	*out = timegm(&tm);
	return 0;
}
