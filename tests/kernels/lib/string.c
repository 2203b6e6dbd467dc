/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Vireo test kernels: memory/string helpers (the compiler may emit calls
 * to memcpy/memset even when freestanding) and command line word parsing.
 */
#include "lib.h"

void *memcpy(void *dst, const void *src, size_t n)
{
	char *d = dst;
	const char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	char *d = dst;

	while (n--)
		*d++ = c;
	return dst;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

/* Text after @prefix in the first word that starts with it (and, if
 * @whole, has nothing after it), or NULL. */
static const char *find_word(const char *s, const char *prefix, int whole)
{
	while (*s) {
		while (*s == ' ')
			s++;
		const char *w = s, *p = prefix;

		while (*p && *w == *p)
			w++, p++;
		if (!*p && (!whole || *w == ' ' || !*w))
			return w;
		while (*s && *s != ' ')
			s++;
	}
	return NULL;
}

const char *cmdline_value(const char *s, const char *prefix)
{
	return find_word(s, prefix, 0);
}

int cmdline_has(const char *s, const char *word)
{
	return find_word(s, word, 1) != NULL;
}

/* Decimal, or hexadecimal with a 0x prefix; stops at the first non-digit. */
unsigned long parse_ulong(const char *s)
{
	unsigned long v = 0;
	unsigned base = 10, d;

	if (s[0] == '0' && s[1] == 'x')
		base = 16, s += 2;
	for (;; s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (*s | 0x20) - 'a' + 10;
		else
			return v;
		v = v * base + d;
	}
}
