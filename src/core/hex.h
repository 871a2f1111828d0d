/* SPDX-License-Identifier: MIT */
/* Hex digits and numbers as the GDB protocol and the command line write them. */
#ifndef ELS_CORE_HEX_H
#define ELS_CORE_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Value of one hex digit, or -1. */
int els_hexval(int c);
/* Decode 2*n hex digits into n bytes; false on a bad digit. */
bool els_hex_decode(const char *hex, size_t n, uint8_t *out);
/* Encode n bytes as 2*n lower-case digits plus NUL. */
void els_hex_encode(const uint8_t *in, size_t n, char *out);
/*
 * Parse a whole hex number of at most 16 digits (no prefix) from s[0..len);
 * false if empty, too long or not hex.
 */
bool els_hex_u64(const char *s, size_t len, uint64_t *ret);
/*
 * Parse a number as a user writes it: 0x-prefixed hex, or decimal; optional
 * K/M/G suffix is not accepted (addresses are exact). False if malformed or
 * out of range.
 */
bool els_parse_u64(const char *s, uint64_t *ret);
/* A finite decimal number (seconds, rates), the whole string. */
bool els_parse_double(const char *s, double *ret);

#endif
