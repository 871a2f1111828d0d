/* SPDX-License-Identifier: MIT */
#include "target/tdesc.h"

#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/strbuf.h"

struct parse_state {
	struct els_tdesc *td;
	els_tdesc_fetch_fn *fetch;
	void *fetch_arg;
	int files;            /* files loaded so far, includes counted */
	int next_regnum;
	char *feature;        /* current <feature name=...> */
	bool in_architecture;
	struct els_strbuf text;
	struct els_error *err;
	XML_Parser parser;
	const char *annex;
	/* Includes found in the current file, loaded after it is parsed. */
	char *includes[ELS_TDESC_MAX_FILES];
	int nincludes;
};

static const char *attr(const XML_Char **atts, const char *name)
{
	for (int i = 0; atts[i]; i += 2) {
		if (!strcmp(atts[i], name))
			return atts[i + 1];
	}
	return NULL;
}

static void fail(struct parse_state *st, struct els_error *err)
{
	if (!st->err)
		st->err = err;
	else
		els_error_destroy(err);
	XML_StopParser(st->parser, XML_FALSE);
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *ret)
{
	uint64_t v;
	if (!els_parse_u64(s, &v) || v > max)
		return false;
	*ret = (unsigned long)v;
	return true;
}

static void add_reg(struct parse_state *st, const XML_Char **atts)
{
	const char *name = attr(atts, "name");
	const char *bitsize = attr(atts, "bitsize");
	const char *regnum = attr(atts, "regnum");
	const char *group = attr(atts, "group");
	unsigned long bits, num;
	if (!name || !*name || !bitsize) {
		fail(st, els_error_create(ELS_ERR_INVALID,
					  "target description %s line %lu: <reg> without name or bitsize",
					  st->annex,
					  XML_GetCurrentLineNumber(st->parser)));
		return;
	}
	/* SVE registers of QEMU's -cpu max reach 2048 bits. */
	if (!parse_uint(bitsize, 8192, &bits) || bits == 0) {
		fail(st, els_error_create(ELS_ERR_INVALID,
					  "target description %s: register %s has bad bitsize '%s'",
					  st->annex, name, bitsize));
		return;
	}
	if (regnum) {
		if (!parse_uint(regnum, 65535, &num)) {
			fail(st, els_error_create(ELS_ERR_INVALID,
						  "target description %s: register %s has bad regnum '%s'",
						  st->annex, name, regnum));
			return;
		}
	} else {
		num = (unsigned long)st->next_regnum;
	}
	if (st->td->regs.len >= ELS_TDESC_MAX_REGS) {
		fail(st, els_error_create(ELS_ERR_INVALID,
					  "target description: more than %d registers",
					  ELS_TDESC_MAX_REGS));
		return;
	}
	struct els_reg_desc r = {
		.name = strdup(name),
		.regnum = (int)num,
		.bitsize = (unsigned)bits,
		.group = group ? strdup(group) : NULL,
		.feature = st->feature ? strdup(st->feature) : NULL,
	};
	if (!r.name || (group && !r.group) || (st->feature && !r.feature) ||
	    !els_reg_desc_vec_push(&st->td->regs, r)) {
		free(r.name);
		free(r.group);
		free(r.feature);
		fail(st, &els_enomem);
		return;
	}
	st->next_regnum = (int)num + 1;
}

static void XMLCALL start_element(void *data, const XML_Char *name,
				  const XML_Char **atts)
{
	struct parse_state *st = data;
	if (!strcmp(name, "reg")) {
		add_reg(st, atts);
	} else if (!strcmp(name, "feature")) {
		const char *fname = attr(atts, "name");
		free(st->feature);
		st->feature = fname ? strdup(fname) : NULL;
	} else if (!strcmp(name, "architecture")) {
		st->in_architecture = true;
		els_strbuf_reset(&st->text);
	} else if (!strcmp(name, "xi:include")) {
		const char *href = attr(atts, "href");
		if (!href || !*href) {
			fail(st, els_error_create(ELS_ERR_INVALID,
						  "target description %s: xi:include without href",
						  st->annex));
			return;
		}
		if (st->files + st->nincludes >= ELS_TDESC_MAX_FILES) {
			fail(st, els_error_create(ELS_ERR_INVALID,
						  "target description includes more than %d files",
						  ELS_TDESC_MAX_FILES));
			return;
		}
		char *copy = strdup(href);
		if (!copy) {
			fail(st, &els_enomem);
			return;
		}
		st->includes[st->nincludes++] = copy;
	}
}

static void XMLCALL end_element(void *data, const XML_Char *name)
{
	struct parse_state *st = data;
	if (!strcmp(name, "architecture") && st->in_architecture) {
		st->in_architecture = false;
		free(st->td->architecture);
		st->td->architecture =
			st->text.buf ? strdup(st->text.buf) : NULL;
	} else if (!strcmp(name, "feature")) {
		free(st->feature);
		st->feature = NULL;
	}
}

static void XMLCALL char_data(void *data, const XML_Char *s, int len)
{
	struct parse_state *st = data;
	if (st->in_architecture && st->text.len < 256 && len > 0)
		els_strbuf_add(&st->text, s, (size_t)len);
}

static void XMLCALL doctype(void *data, const XML_Char *name,
			    const XML_Char *sysid, const XML_Char *pubid,
			    int has_internal_subset)
{
	struct parse_state *st = data;
	/* Internal subsets can define entities: refuse them outright. */
	if (has_internal_subset)
		fail(st, els_error_create(ELS_ERR_INVALID,
					  "target description %s declares an internal DTD subset",
					  st->annex));
}

static void XMLCALL entity_decl(void *data, const XML_Char *name,
				int is_param, const XML_Char *value,
				int value_len, const XML_Char *base,
				const XML_Char *sysid, const XML_Char *pubid,
				const XML_Char *notation)
{
	struct parse_state *st = data;
	fail(st, els_error_create(ELS_ERR_INVALID,
				  "target description %s declares entities",
				  st->annex));
}

static struct els_error *parse_one(struct parse_state *st, const char *annex,
				   int depth)
{
	if (depth > 8)
		return els_error_create(ELS_ERR_INVALID,
					"target description includes nest deeper than 8");
	if (++st->files > ELS_TDESC_MAX_FILES)
		return els_error_create(ELS_ERR_INVALID,
					"target description includes more than %d files",
					ELS_TDESC_MAX_FILES);
	char *xml = NULL;
	size_t len = 0;
	struct els_error *err = st->fetch(annex, &xml, &len, st->fetch_arg);
	if (err)
		return els_error_wrap(err, "reading target description %s",
				      annex);
	if (len > 1024 * 1024) {
		free(xml);
		return els_error_create(ELS_ERR_INVALID,
					"target description %s is larger than 1 MiB",
					annex);
	}
	XML_Parser p = XML_ParserCreate(NULL);
	if (!p) {
		free(xml);
		return &els_enomem;
	}
	st->parser = p;
	st->annex = annex;
	st->nincludes = 0;
	XML_SetUserData(p, st);
	XML_SetElementHandler(p, start_element, end_element);
	XML_SetCharacterDataHandler(p, char_data);
	XML_SetStartDoctypeDeclHandler(p, doctype);
	XML_SetEntityDeclHandler(p, entity_decl);
	XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
	enum XML_Status status = XML_Parse(p, xml, (int)len, XML_TRUE);
	if (status != XML_STATUS_OK && !st->err)
		st->err = els_error_create(ELS_ERR_INVALID,
					   "target description %s line %lu: %s",
					   annex, XML_GetCurrentLineNumber(p),
					   XML_ErrorString(XML_GetErrorCode(p)));
	XML_ParserFree(p);
	st->parser = NULL;
	free(xml);
	free(st->feature);
	st->feature = NULL;

	/* Take this file's includes before recursing reuses the array. */
	int n = st->nincludes;
	char *incs[ELS_TDESC_MAX_FILES];
	memcpy(incs, st->includes, (size_t)n * sizeof(char *));
	st->nincludes = 0;
	err = st->err;
	st->err = NULL;
	for (int i = 0; i < n; i++) {
		if (!err)
			err = parse_one(st, incs[i], depth + 1);
		free(incs[i]);
	}
	return err;
}

struct els_error *els_tdesc_load(const char *annex, els_tdesc_fetch_fn *fetch,
				 void *arg, struct els_tdesc *ret)
{
	struct parse_state st = {
		.td = ret,
		.fetch = fetch,
		.fetch_arg = arg,
	};
	struct els_error *err = parse_one(&st, annex, 0);
	els_strbuf_deinit(&st.text);
	if (!err && ret->regs.len == 0)
		err = els_error_create(ELS_ERR_INVALID,
				       "target description %s names no registers",
				       annex);
	return err;
}

void els_tdesc_deinit(struct els_tdesc *td)
{
	for (size_t i = 0; i < td->regs.len; i++) {
		free(td->regs.data[i].name);
		free(td->regs.data[i].group);
		free(td->regs.data[i].feature);
	}
	els_reg_desc_vec_deinit(&td->regs);
	free(td->architecture);
	td->architecture = NULL;
}

struct els_error *els_tdesc_aarch64_core(struct els_tdesc *ret)
{
	for (int i = 0; i < 34; i++) {
		char name[8];
		if (i < 31)
			snprintf(name, sizeof(name), "x%d", i);
		else
			snprintf(name, sizeof(name), "%s",
				 i == 31 ? "sp" : i == 32 ? "pc" : "cpsr");
		struct els_reg_desc r = {
			.name = strdup(name),
			.regnum = i,
			.bitsize = i == 33 ? 32 : 64,
			.group = strdup("general"),
			.feature = strdup("org.gnu.gdb.aarch64.core"),
		};
		if (!r.name || !r.group || !r.feature ||
		    !els_reg_desc_vec_push(&ret->regs, r)) {
			free(r.name);
			free(r.group);
			free(r.feature);
			return &els_enomem;
		}
	}
	free(ret->architecture);
	ret->architecture = strdup("aarch64");
	return NULL;
}
