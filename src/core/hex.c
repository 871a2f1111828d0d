/* SPDX-License-Identifier: MIT */
#include "core/hex.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

int els_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Digit values, 0xff for everything that is not a hex digit. */
static const uint8_t hex_table[256] = {
	['0'] = 0, ['1'] = 1, ['2'] = 2, ['3'] = 3, ['4'] = 4,
	['5'] = 5, ['6'] = 6, ['7'] = 7, ['8'] = 8, ['9'] = 9,
	['a'] = 10, ['b'] = 11, ['c'] = 12, ['d'] = 13, ['e'] = 14, ['f'] = 15,
	['A'] = 10, ['B'] = 11, ['C'] = 12, ['D'] = 13, ['E'] = 14, ['F'] = 15,
};

static bool is_hex_digit(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

bool els_hex_decode(const char *hex, size_t n, uint8_t *out)
{
	/* Hot path of every memory read: a table, one check per pair. */
	for (size_t i = 0; i < n; i++) {
		unsigned char a = (unsigned char)hex[2 * i];
		unsigned char b = (unsigned char)hex[2 * i + 1];
		if (!is_hex_digit(a) || !is_hex_digit(b))
			return false;
		out[i] = (uint8_t)(hex_table[a] << 4 | hex_table[b]);
	}
	return true;
}

void els_hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

bool els_hex_u64(const char *s, size_t len, uint64_t *ret)
{
	if (len == 0 || len > 16)
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		int d = els_hexval((unsigned char)s[i]);
		if (d < 0)
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*ret = v;
	return true;
}

bool els_parse_u64(const char *s, uint64_t *ret)
{
	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	char *end;
	errno = 0;
	unsigned long long v;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (!s[2] || s[2] == '-' || s[2] == '+' || s[2] == ' ')
			return false;
		v = strtoull(s + 2, &end, 16);
	} else {
		v = strtoull(s, &end, 10);
	}
	if (errno || *end)
		return false;
	*ret = v;
	return true;
}

bool els_parse_double(const char *s, double *ret)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end || !isfinite(v))
		return false;
	*ret = v;
	return true;
}
