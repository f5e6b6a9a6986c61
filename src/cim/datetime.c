/*
 * datetime: CIM DATETIME timestamps and intervals (cim layer; DSP0004
 * 5.2.4, windows-wmi-behaviour.md 8.3).
 *
 *   offset  0         8     12  14 15     21 22
 *   stamp   yyyymmdd  HHMM  SS  .  uuuuuu s  UUU     s = '+' | '-'
 *   ival    dddddddd  HHMM  SS  .  uuuuuu :  000
 *
 * A timestamp field may be all asterisks (kept as -1); the UTC offset and
 * every interval field must be digits.  Ranges are checked: month 1-12,
 * day within the month when year and month are known, hour 0-23, minute
 * and second 0-59.
 */
#include "cim/datetime.h"

#include <stdio.h>
#include <string.h>

#define USEC_PER_SEC 1000000LL
#define USEC_PER_MIN (60 * USEC_PER_SEC)
#define USEC_PER_DAY (86400 * USEC_PER_SEC)

/* Reads [n] digits at [s]; -1 for all asterisks, -2 when malformed. */
static int64_t field(const char *s, int n, bool stars_ok)
{
	int64_t v = 0;
	int stars = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] == '*') {
			stars++;
		} else if (s[i] >= '0' && s[i] <= '9') {
			v = v * 10 + (s[i] - '0');
		} else {
			return -2;
		}
	}
	if (stars == 0) {
		return v;
	}
	return stars == n && stars_ok ? -1 : -2;
}

static bool leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int64_t y, int64_t m)
{
	static const int d[12] = { 31, 28, 31, 30, 31, 30,
		                   31, 31, 30, 31, 30, 31 };

	if (m == 2 && (y < 0 || leap(y))) {
		return 29;
	}
	return d[m - 1];
}

static hresult parse_interval(const char *s, struct cim_datetime *out)
{
	int64_t days = field(s, 8, false);
	int64_t h = field(s + 8, 2, false);
	int64_t mi = field(s + 10, 2, false);
	int64_t se = field(s + 12, 2, false);
	int64_t us = field(s + 15, 6, false);

	if (days < 0 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 ||
	    se > 59 || us < 0 || s[14] != '.' || memcmp(s + 21, ":000", 4)) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	memset(out, 0, sizeof(*out));
	out->interval = true;
	out->days = (uint32_t)days;
	out->hour = (int32_t)h;
	out->minute = (int32_t)mi;
	out->second = (int32_t)se;
	out->usec = (int32_t)us;
	return HR_OK;
}

hresult cim_datetime_parse(const char *s, struct cim_datetime *out)
{
	struct cim_datetime dt = { 0 };
	int64_t y, mo, d, h, mi, se, us, off;

	if (s == NULL || strnlen(s, 26) != 25) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	if (s[21] == ':') {
		return parse_interval(s, out);
	}
	y = field(s, 4, true);
	mo = field(s + 4, 2, true);
	d = field(s + 6, 2, true);
	h = field(s + 8, 2, true);
	mi = field(s + 10, 2, true);
	se = field(s + 12, 2, true);
	us = field(s + 15, 6, true);
	off = field(s + 22, 3, false);
	if (y < -1 || mo < -1 || d < -1 || h < -1 || mi < -1 || se < -1 ||
	    us < -1 || off < 0 || s[14] != '.' ||
	    (s[21] != '+' && s[21] != '-')) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	if ((mo != -1 && (mo < 1 || mo > 12)) ||
	    (d != -1 && (d < 1 || d > 31)) || h > 23 || mi > 59 || se > 59) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	if (d != -1 && mo != -1 && d > month_days(y, mo)) {
		return hr_raise(HR_WBEM_E_INVALID_PARAMETER);
	}
	dt.year = (int32_t)y;
	dt.month = (int32_t)mo;
	dt.day = (int32_t)d;
	dt.hour = (int32_t)h;
	dt.minute = (int32_t)mi;
	dt.second = (int32_t)se;
	dt.usec = (int32_t)us;
	dt.utc_offset = (int32_t)(s[21] == '-' ? -off : off);
	*out = dt;
	return HR_OK;
}

static void put_field(char *dst, int n, int64_t v)
{
	if (v < 0) {
		memset(dst, '*', (size_t)n);
		return;
	}
	for (int i = n - 1; i >= 0; i--) {
		dst[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

void cim_datetime_format(const struct cim_datetime *dt, char out[26])
{
	int32_t off = dt->utc_offset;

	memset(out, '0', 25);
	out[25] = '\0';
	out[14] = '.';
	if (dt->interval) {
		put_field(out, 8, dt->days % 100000000u);
		put_field(out + 8, 2, dt->hour);
		put_field(out + 10, 2, dt->minute);
		put_field(out + 12, 2, dt->second);
		put_field(out + 15, 6, dt->usec);
		memcpy(out + 21, ":000", 4);
		return;
	}
	put_field(out, 4, dt->year);
	put_field(out + 4, 2, dt->month);
	put_field(out + 6, 2, dt->day);
	put_field(out + 8, 2, dt->hour);
	put_field(out + 10, 2, dt->minute);
	put_field(out + 12, 2, dt->second);
	put_field(out + 15, 6, dt->usec);
	out[21] = off < 0 ? '-' : '+';
	put_field(out + 22, 3, (off < 0 ? -(int64_t)off : off) % 1000);
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era;
	int64_t yoe;
	int64_t doy;
	int64_t doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int64_t *m, int64_t *d)
{
	int64_t era;
	int64_t doe;
	int64_t yoe;
	int64_t doy;
	int64_t mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp + (mp < 10 ? 3 : -9);
	*y = yoe + era * 400 + (*m <= 2);
}

bool cim_datetime_to_usec(const struct cim_datetime *dt, int64_t *out)
{
	int64_t t;

	if (dt->interval) {
		*out = (int64_t)dt->days * USEC_PER_DAY +
		       ((int64_t)dt->hour * 3600 + dt->minute * 60 +
		        dt->second) *
		               USEC_PER_SEC +
		       dt->usec;
		return true;
	}
	if (dt->year < 0 || dt->month < 1 || dt->day < 1 || dt->hour < 0 ||
	    dt->minute < 0 || dt->second < 0 || dt->usec < 0) {
		return false;
	}
	t = days_from_civil(dt->year, dt->month, dt->day) * USEC_PER_DAY;
	t += ((int64_t)dt->hour * 3600 + dt->minute * 60 + dt->second) *
	     USEC_PER_SEC;
	t += dt->usec;
	t -= (int64_t)dt->utc_offset * USEC_PER_MIN;
	*out = t;
	return true;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void cim_datetime_from_unix(int64_t usec,
                            int32_t utc_offset,
                            struct cim_datetime *out)
{
	int64_t local = usec + (int64_t)utc_offset * USEC_PER_MIN;
	int64_t days = floor_div(local, USEC_PER_DAY);
	int64_t rem = local - days * USEC_PER_DAY;
	int64_t y, m, d;

	civil_from_days(days, &y, &m, &d);
	memset(out, 0, sizeof(*out));
	out->year = (int32_t)y;
	out->month = (int32_t)m;
	out->day = (int32_t)d;
	out->hour = (int32_t)(rem / (3600 * USEC_PER_SEC));
	out->minute = (int32_t)(rem / USEC_PER_MIN % 60);
	out->second = (int32_t)(rem / USEC_PER_SEC % 60);
	out->usec = (int32_t)(rem % USEC_PER_SEC);
	out->utc_offset = utc_offset;
}

static int cmp64(int64_t a, int64_t b)
{
	return (a > b) - (a < b);
}

int cim_datetime_cmp(const struct cim_datetime *a, const struct cim_datetime *b)
{
	int64_t x;
	int64_t y;
	const int32_t *fa[7] = { &a->year,   &a->month,  &a->day, &a->hour,
		                 &a->minute, &a->second, &a->usec };
	const int32_t *fb[7] = { &b->year,   &b->month,  &b->day, &b->hour,
		                 &b->minute, &b->second, &b->usec };

	if (a->interval != b->interval) {
		return a->interval ? -1 : 1;
	}
	if (cim_datetime_to_usec(a, &x) && cim_datetime_to_usec(b, &y)) {
		return cmp64(x, y);
	}
	/* Asterisk fields: compare field by field, unknown sorting first. */
	for (int i = 0; i < 7; i++) {
		int c = cmp64(*fa[i], *fb[i]);

		if (c != 0) {
			return c;
		}
	}
	return cmp64(a->utc_offset, b->utc_offset);
}
