/*
 * Helpers shared by the ntlm unit tests: loading the Impacket captures
 * (one lowercase hex string per file, see data/README.md) and cutting the
 * NTLM token out of a DCE/RPC PDU.
 */
#ifndef OWMI_TEST_NTLM_UTIL_H
#define OWMI_TEST_NTLM_UTIL_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <talloc.h>

/* Set by main() from argv[1]: the folder holding the .hex captures. */
static const char *test_data_dir = "tests/unit/ntlm/data";

static inline int hexval(int c)
{
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

/* Decodes hex text (spaces allowed) into a talloc buffer; NULL if bad. */
static inline uint8_t *unhex(void *mem, const char *s, size_t *len)
{
	size_t n = 0;
	uint8_t *b = talloc_array(mem, uint8_t, strlen(s) / 2 + 1);

	*len = 0;

	while (b != NULL && *s != '\0') {
		int hi;
		int lo;

		if (*s == ' ' || *s == '\n' || *s == '\r') {
			s++;
			continue;
		}
		hi = hexval(s[0]);
		lo = s[1] ? hexval(s[1]) : -1;
		if (hi < 0 || lo < 0) {
			talloc_free(b);
			return NULL;
		}
		b[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	*len = n;
	return b;
}

/* Loads the capture whose name starts with [prefix] ("c03_"). */
static inline uint8_t *load_capture(void *mem, const char *prefix, size_t *len)
{
	DIR *d = opendir(test_data_dir);
	struct dirent *e;
	uint8_t *out = NULL;

	*len = 0;

	if (d == NULL) {
		return NULL;
	}
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		char *text;
		FILE *f;
		long n;

		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0) {
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", test_data_dir, e->d_name);
		f = fopen(path, "rb");
		if (f == NULL) {
			break;
		}
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		fseek(f, 0, SEEK_SET);
		text = talloc_zero_array(mem, char, (size_t)n + 1);
		if (text != NULL && fread(text, 1, (size_t)n, f) == (size_t)n) {
			out = unhex(mem, text, len);
		}
		fclose(f);
		talloc_free(text);
		break;
	}
	closedir(d);
	return out;
}

static inline uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* The auth token (last auth_length bytes) of a DCE/RPC PDU. */
static inline const uint8_t *pdu_token(const uint8_t *pdu, size_t *len)
{
	uint16_t frag = le16(pdu + 8);
	uint16_t auth = le16(pdu + 10);

	*len = auth;
	return pdu + frag - auth;
}

#endif
