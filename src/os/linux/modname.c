/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "os/linux/modname.h"

bool els_linux_modname(const char *text, size_t len, char *buf, size_t size)
{
	if (!len || len >= ELS_LINUX_MODNAME_MAX || len >= size)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '-';
		if (!ok)
			return false;
		buf[i] = c == '-' ? '_' : c;
	}
	buf[len] = '\0';
	return true;
}

bool els_linux_modsym_split(const char *word, char *module, size_t size,
			    const char **name)
{
	const char *colon = strchr(word, ':');
	if (!colon || !colon[1])
		return false;
	if (!els_linux_modname(word, (size_t)(colon - word), module, size))
		return false;
	*name = colon + 1;
	return true;
}
