/*
 * map: a small open-addressing hash map from names to pointers, with
 * ASCII case-insensitive keys (mof layer, internal).  The compiler uses
 * it for qualifier declarations, aliases and resolved classes so that
 * large schemas compile in linear time.
 *
 * Invariants: cap is 0 or a power of two; n <= cap / 2 after every put;
 * keys are talloc children of the key array's context.
 */
#include "mof/mof-int.h"

#include <string.h>
#include <talloc.h>

static uint64_t hash_ci(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 'A' && c <= 'Z') {
			c = (unsigned char)(c + 32);
		}
		h ^= c;
		h *= 1099511628211ull;
	}
	return h;
}

static bool key_eq(const char *k, const char *s, size_t len)
{
	return strncasecmp(k, s, len) == 0 && k[len] == '\0';
}

void mof_map_init(struct mof_map *m, void *mem)
{
	memset(m, 0, sizeof(*m));
	m->mem = mem;
}

void *mof_map_get(const struct mof_map *m, const char *key, size_t len)
{
	size_t i;

	if (m->cap == 0) {
		return NULL;
	}
	i = (size_t)hash_ci(key, len) & (m->cap - 1);
	while (m->keys[i] != NULL) {
		if (key_eq(m->keys[i], key, len)) {
			return m->vals[i];
		}
		i = (i + 1) & (m->cap - 1);
	}
	return NULL;
}

static void insert_slot(char **keys,
                        void **vals,
                        size_t cap,
                        char *key,
                        void *val)
{
	size_t i = (size_t)hash_ci(key, strlen(key)) & (cap - 1);

	while (keys[i] != NULL) {
		i = (i + 1) & (cap - 1);
	}
	keys[i] = key;
	vals[i] = val;
}

static hresult grow(struct mof_map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	char **nk = talloc_zero_array(m->mem, char *, ncap);
	void **nv = talloc_zero_array(m->mem, void *, ncap);

	if (nk == NULL || nv == NULL) {
		talloc_free(nk);
		talloc_free(nv);
		return HR_E_OUTOFMEMORY;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (m->keys[i] != NULL) {
			talloc_steal(nk, m->keys[i]);
			insert_slot(nk, nv, ncap, m->keys[i], m->vals[i]);
		}
	}
	talloc_free(m->keys);
	talloc_free(m->vals);
	m->keys = nk;
	m->vals = nv;
	m->cap = ncap;
	return HR_OK;
}

hresult mof_map_put(struct mof_map *m, const char *key, size_t len, void *val)
{
	size_t i;
	char *k;
	hresult hr;

	if ((m->n + 1) * 2 > m->cap) {
		if (hr_failed(hr = grow(m))) {
			return hr;
		}
	}
	i = (size_t)hash_ci(key, len) & (m->cap - 1);
	while (m->keys[i] != NULL) {
		if (key_eq(m->keys[i], key, len)) {
			m->vals[i] = val;
			return HR_OK;
		}
		i = (i + 1) & (m->cap - 1);
	}
	k = talloc_strndup(m->keys, key, len);
	if (k == NULL) {
		return HR_E_OUTOFMEMORY;
	}
	m->keys[i] = k;
	m->vals[i] = val;
	m->n++;
	return HR_OK;
}
