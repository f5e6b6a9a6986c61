/*
 * datetime: CIM DATETIME values (cim layer; DSP0004 5.2.4, WMI CIM_DATETIME).
 *
 *   timestamp  yyyymmddHHMMSS.mmmmmmsUUU   s = '+' or '-', UUU minutes
 *   interval   ddddddddHHMMSS.mmmmmm:000
 *
 * Whole fields of a timestamp may be asterisks (not significant); intervals
 * may not.  Always 25 ASCII characters.
 */
#ifndef OWMI_CIM_DATETIME_H
#define OWMI_CIM_DATETIME_H

#include <stdbool.h>
#include <stdint.h>

#include "base/hresult.h"

struct cim_datetime {
	bool interval;
	/* timestamp fields; -1 where the field was asterisks */
	int32_t year, month, day, hour, minute, second, usec;
	int32_t utc_offset; /* minutes, signed */
	/* interval fields */
	uint32_t days;
};

/* Parses a 25-character DMTF datetime.  WBEM_E_INVALID_PARAMETER if bad. */
hresult cim_datetime_parse(const char *s, struct cim_datetime *out);

/* Formats into [out] (26 bytes with the NUL). */
void cim_datetime_format(const struct cim_datetime *dt, char out[26]);

/*
 * Converts a timestamp with no asterisks to microseconds since the Unix
 * epoch (UTC), or an interval to microseconds.  Returns false for a
 * timestamp with asterisk fields.
 */
bool cim_datetime_to_usec(const struct cim_datetime *dt, int64_t *out);

/* Makes a timestamp from Unix time (UTC), with offset [utc_offset] minutes. */
void cim_datetime_from_unix(int64_t usec,
                            int32_t utc_offset,
                            struct cim_datetime *out);

/* Compares two datetimes by instant (timestamps) or length (intervals). */
int cim_datetime_cmp(const struct cim_datetime *a,
                     const struct cim_datetime *b);

#endif
