/*
 * Unit tests for lib/gcb_utf8 against RFC 3629 section 4's grammar, written
 * here as the grammar reads (byte ranges per position), not as the decoder
 * the library uses:
 *   - every sequence of one and two bytes, and every three-byte sequence;
 *   - four-byte sequences over every lead and second byte;
 *   - a bad byte at every position of a long ASCII text (the eight-byte
 *     fast path must not step over it), and a truncated sequence at the end;
 *   - named cases: overlongs, surrogates, above U+10FFFF.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/gcb_utf8.h"

/* The length of the UTF8-char at s (RFC 3629 section 4), or 0 when none starts there. */
static size_t rfc_char(const unsigned char *s, size_t n)
{
	static const struct {
		unsigned char lead_lo, lead_hi, second_lo, second_hi;
		size_t len;
	} forms[] = {
	    {0x00, 0x7F, 0, 0, 1},	 /* UTF8-1 */
	    {0xC2, 0xDF, 0x80, 0xBF, 2}, /* UTF8-2 */
	    {0xE0, 0xE0, 0xA0, 0xBF, 3}, /* UTF8-3 */
	    {0xE1, 0xEC, 0x80, 0xBF, 3}, {0xED, 0xED, 0x80, 0x9F, 3},
	    {0xEE, 0xEF, 0x80, 0xBF, 3}, {0xF0, 0xF0, 0x90, 0xBF, 4}, /* UTF8-4 */
	    {0xF1, 0xF3, 0x80, 0xBF, 4}, {0xF4, 0xF4, 0x80, 0x8F, 4},
	};

	for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
		if (s[0] < forms[f].lead_lo || s[0] > forms[f].lead_hi)
			continue;
		if (forms[f].len > n)
			return 0;
		if (forms[f].len > 1 && (s[1] < forms[f].second_lo || s[1] > forms[f].second_hi))
			return 0;
		for (size_t k = 2; k < forms[f].len; k++)
			if (s[k] < 0x80 || s[k] > 0xBF) /* UTF8-tail */
				return 0;
		return forms[f].len;
	}
	return 0;
}

static int rfc_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if ((k = rfc_char(s + i, n - i)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

static void check(const unsigned char *s, size_t n)
{
	int want = rfc_valid(s, n), got = gcb_utf8_valid((const char *)s, n);

	if (want != got) {
		char hex[64] = "";

		for (size_t i = 0; i < n && i < 16; i++)
			snprintf(hex + 3 * i, sizeof(hex) - 3 * i, "%02x ", s[i]);
		fail_msg("%s: grammar says %d, gcb_utf8_valid() %d", hex, want, got);
	}
}

static void test_short_sequences(void **state)
{
	unsigned char s[3] = {0};

	(void)state;
	check(s, 0);
	for (unsigned a = 0; a < 256; a++) {
		s[0] = (unsigned char)a;
		check(s, 1);
		for (unsigned b = 0; b < 256; b++) {
			s[1] = (unsigned char)b;
			check(s, 2);
			for (unsigned c = 0; c < 256; c++) {
				s[2] = (unsigned char)c;
				check(s, 3);
			}
		}
	}
}

static void test_four_bytes(void **state)
{
	static const unsigned char tails[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90,
					      0xBF, 0xC0, 0xC2, 0xF4, 0xFF};
	unsigned char s[4];

	(void)state;
	for (unsigned a = 0xC0; a < 256; a++)
		for (unsigned b = 0; b < 256; b++)
			for (size_t c = 0; c < sizeof(tails); c++)
				for (size_t d = 0; d < sizeof(tails); d++) {
					s[0] = (unsigned char)a;
					s[1] = (unsigned char)b;
					s[2] = tails[c];
					s[3] = tails[d];
					check(s, 4);
				}
}

static void test_fault_at_every_position(void **state)
{
	static const unsigned char bad[][3] = {{0x80}, {0xFF}, {0xC3, 0x28}, {0xED, 0xA0, 0x80}};
	static const size_t bad_len[] = {1, 1, 2, 3};
	unsigned char s[80];

	(void)state;
	for (size_t k = 0; k < sizeof(bad_len) / sizeof(bad_len[0]); k++)
		for (size_t at = 0; at + bad_len[k] <= 40; at++) {
			memset(s, 'a', 40);
			memcpy(s + at, bad[k], bad_len[k]);
			assert_int_equal(gcb_utf8_valid((const char *)s, 40), 0);
		}
	/* A valid two-byte character at every position, and cut in half at the end. */
	for (size_t at = 0; at + 2 <= 40; at++) {
		memset(s, 'a', 40);
		s[at] = 0xC3, s[at + 1] = 0xA9;
		assert_int_equal(gcb_utf8_valid((const char *)s, 40), 1);
		assert_int_equal(gcb_utf8_valid((const char *)s, at + 1), 0);
	}
}

static void test_named_cases(void **state)
{
	static const struct {
		const char *s;
		int valid;
	} cases[] = {
	    {"plain ASCII, longer than eight bytes", 1},
	    {"\xC3\xA9t\xC3\xA9", 1},	 /* U+00E9 */
	    {"\xE2\x82\xAC", 1},	 /* U+20AC */
	    {"\xF0\x9F\x98\x80", 1},	 /* U+1F600 */
	    {"\xF4\x8F\xBF\xBF", 1},	 /* U+10FFFF, the last */
	    {"\xEF\xBF\xBF", 1},	 /* U+FFFF, a noncharacter but well-formed */
	    {"\xC0\xAF", 0},		 /* overlong '/' */
	    {"\xE0\x80\xAF", 0},	 /* overlong, three bytes */
	    {"\xF0\x80\x80\xAF", 0},	 /* overlong, four bytes */
	    {"\xED\xA0\x80", 0},	 /* U+D800, a surrogate */
	    {"\xED\xBF\xBF", 0},	 /* U+DFFF */
	    {"\xF4\x90\x80\x80", 0},	 /* U+110000 */
	    {"\xF8\x88\x80\x80\x80", 0}, /* five-byte form */
	    {"\xFE", 0},
	    {"\xE2\x82", 0}, /* cut short */
	    {"a\x80z", 0},   /* a lone continuation byte */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(gcb_utf8_valid(cases[i].s, strlen(cases[i].s)), cases[i].valid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_short_sequences),
	    cmocka_unit_test(test_four_bytes),
	    cmocka_unit_test(test_fault_at_every_position),
	    cmocka_unit_test(test_named_cases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
