/*
 * fuzz_datetime: DMTF datetime parse, format, compare and Unix round trip.
 *
 * Invariants checked: a parsed value formats to 25 characters that parse
 * back to the same fields; it compares equal to itself; a timestamp
 * without asterisks survives to_usec/from_unix with its own offset.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cim/datetime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same(const struct cim_datetime *a, const struct cim_datetime *b)
{
	return a->interval == b->interval && a->year == b->year &&
	       a->month == b->month && a->day == b->day && a->hour == b->hour &&
	       a->minute == b->minute && a->second == b->second &&
	       a->usec == b->usec && a->utc_offset == b->utc_offset &&
	       a->days == b->days;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[64];
	char out[26];
	char out2[26];
	struct cim_datetime dt;
	struct cim_datetime back;
	struct cim_datetime u;
	int64_t us;

	if (size >= sizeof(text)) {
		size = sizeof(text) - 1;
	}
	memcpy(text, data, size);
	text[size] = '\0';
	if (hr_failed(cim_datetime_parse(text, &dt))) {
		return 0;
	}
	cim_datetime_format(&dt, out);
	if (strlen(out) != 25 || hr_failed(cim_datetime_parse(out, &back)) ||
	    !same(&dt, &back) || cim_datetime_cmp(&dt, &back) != 0) {
		abort();
	}
	if (!dt.interval && cim_datetime_to_usec(&dt, &us)) {
		cim_datetime_from_unix(us, dt.utc_offset, &u);
		cim_datetime_format(&u, out2);
		if (strcmp(out, out2) != 0) {
			abort();
		}
	}
	return 0;
}
