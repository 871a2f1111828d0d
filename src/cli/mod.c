/* SPDX-License-Identifier: MIT */
/*
 * mod: the kernel's loaded modules, and their symbols in the machine's
 * kernel symbol set: from the module's .ko under --sysroot with every
 * section placed where the kernel put it, else from the module's own
 * in-memory symbol table.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "core/log.h"
#include "core/vec.h"
#include "os/linux/module.h"

/* Where a module's symbols came from. */
enum source { SRC_NONE, SRC_KO, SRC_MEMORY };
static const char *const source_names[] = { NULL, "ko", "memory" };

struct ko_file {
	char *name; /* the module's name: '-' of the file name as '_' */
	char *path;
};
ELS_VEC(ko_vec, struct ko_file);

/* The .ko files of <sysroot>/lib/modules/<release>, indexed once. */
static struct {
	char *root; /* the directory indexed; NULL: none yet */
	struct ko_vec files;
} ko_index;

#define KO_MAX_DEPTH 16
#define KO_MAX_FILES 200000

struct dir_id {
	dev_t dev;
	ino_t ino;
};

/* A directory tree, symbolic links followed, each directory once. */
static void index_dir(const char *dir, int depth, struct dir_id *seen,
		      size_t *nseen)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) && ko_index.files.len < KO_MAX_FILES) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		size_t len = strlen(dir) + strlen(e->d_name) + 2;
		char *path = malloc(len);
		if (!path)
			break;
		snprintf(path, len, "%s/%s", dir, e->d_name);
		struct stat st;
		if (stat(path, &st)) {
			free(path);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			bool again = false;
			for (size_t i = 0; i < *nseen; i++)
				again |= seen[i].dev == st.st_dev &&
					 seen[i].ino == st.st_ino;
			if (!again && depth < KO_MAX_DEPTH && *nseen < 4096) {
				seen[(*nseen)++] = (struct dir_id){ st.st_dev,
								    st.st_ino };
				index_dir(path, depth + 1, seen, nseen);
			}
			free(path);
			continue;
		}
		size_t nl = strlen(e->d_name);
		if (!S_ISREG(st.st_mode) || nl <= 3 ||
		    strcmp(e->d_name + nl - 3, ".ko")) {
			free(path);
			continue;
		}
		char *name = strndup(e->d_name, nl - 3);
		struct ko_file *f = name ? ko_vec_append(&ko_index.files) : NULL;
		if (!f) {
			free(name);
			free(path);
			break;
		}
		for (char *p = name; *p; p++)
			if (*p == '-')
				*p = '_';
		f->name = name;
		f->path = path;
	}
	closedir(d);
}

static void ko_index_clear(void)
{
	for (size_t i = 0; i < ko_index.files.len; i++) {
		free(ko_index.files.data[i].name);
		free(ko_index.files.data[i].path);
	}
	ko_vec_deinit(&ko_index.files);
	free(ko_index.root);
	ko_index.root = NULL;
}

/* The .ko of module name, or NULL. */
static const char *find_ko(const char *sysroot, const char *release,
			   const char *name)
{
	size_t len = strlen(sysroot) + strlen(release) + 16;
	char *root = malloc(len);
	if (!root)
		return NULL;
	snprintf(root, len, "%s/lib/modules/%s", sysroot, release);
	if (!ko_index.root || strcmp(ko_index.root, root)) {
		ko_index_clear();
		ko_index.root = root;
		struct dir_id *seen = calloc(4096, sizeof(*seen));
		size_t nseen = 0;
		if (seen) {
			index_dir(root, 0, seen, &nseen);
			free(seen);
		}
		els_log(ELS_LOG_INFO, "%zu .ko files under %s",
			ko_index.files.len, root);
	} else {
		free(root);
	}
	for (size_t i = 0; i < ko_index.files.len; i++) {
		if (!strcmp(ko_index.files.data[i].name, name))
			return ko_index.files.data[i].path;
	}
	return NULL;
}

bool els_cli_ko_file(struct els_cli *cli, const char *release, size_t i,
		     const char **name, const char **path)
{
	if (!cli->sysroot)
		return false;
	if (!i)
		find_ko(cli->sysroot, release, ""); /* indexes it once */
	if (i >= ko_index.files.len)
		return false;
	*name = ko_index.files.data[i].name;
	*path = ko_index.files.data[i].path;
	return true;
}

struct module {
	struct els_linux_module m;
	struct els_linux_section *secs; /* NULL: not read */
	size_t nsecs;
	struct els_error *secs_err;
	enum source src;
};
ELS_VEC(module_vec, struct module);

static int collect(const struct els_linux_module *m, void *arg)
{
	struct module *slot = module_vec_append(arg);
	if (!slot)
		return 1;
	*slot = (struct module){ .m = *m };
	return 0;
}

static void free_modules(struct module_vec *v)
{
	for (size_t i = 0; i < v->len; i++) {
		free(v->data[i].secs);
		els_error_destroy(v->data[i].secs_err);
	}
	module_vec_deinit(v);
}

static struct els_error *read_sections(struct els_linux *lx, struct module *m)
{
	if (m->secs || m->secs_err)
		return m->secs_err;
	m->secs_err = els_linux_module_sections(lx, &m->m, &m->secs, &m->nsecs);
	return m->secs_err;
}

/* The module's .ko with its sections placed, or NULL (logged why). */
static struct els_symtab *open_ko(struct els_cli *cli, struct els_linux *lx,
				  struct module *m)
{
	const char *path = find_ko(cli->sysroot, lx->release, m->m.name);
	if (!path)
		return NULL;
	struct els_symtab *st;
	struct els_error *err = read_sections(lx, m);
	if (err) {
		els_log(ELS_LOG_WARN, "%s: %s", path, err->message);
		return NULL;
	}
	if ((err = els_symtab_open(path, &st))) {
		els_log(ELS_LOG_WARN, "%s", err->message);
		els_error_destroy(err);
		return NULL;
	}
	if (!els_symtab_is_relocatable(st)) {
		els_log(ELS_LOG_WARN, "%s is not a relocatable module", path);
		els_symtab_destroy(st);
		return NULL;
	}
	size_t placed = 0;
	for (size_t i = 0; i < m->nsecs; i++) {
		err = els_symtab_place_section(st, m->secs[i].name,
					       m->secs[i].addr);
		if (!err)
			placed++;
		els_error_destroy(err);
	}
	if (!placed) {
		els_log(ELS_LOG_WARN,
			"%s has none of the sections module %s has in memory",
			path, m->m.name);
		els_symtab_destroy(st);
		return NULL;
	}
	return st;
}

/* Put every module's symbols in the kernel's set, noting their source. */
static struct els_error *load_symbols(struct els_cli *cli,
				      struct els_linux *lx,
				      struct module_vec *mods, const char *only)
{
	for (size_t i = 0; i < mods->len; i++) {
		struct module *m = &mods->data[i];
		struct els_symtab *st = NULL;
		if (only && strcmp(m->m.name, only))
			continue;
		m->src = SRC_NONE;
		if (cli->sysroot && (st = open_ko(cli, lx, m)))
			m->src = SRC_KO;
		if (!st) {
			struct els_error *err =
				els_linux_module_symbols(lx, &m->m, &st);
			if (err) {
				els_log(ELS_LOG_WARN, "%s", err->message);
				els_error_destroy(err);
				continue;
			}
			m->src = SRC_MEMORY;
		}
		/* A module may have been reloaded since: its new image wins. */
		struct els_symset *set = els_cli_kernel_set(cli);
		if (!set) {
			els_symtab_destroy(st);
			continue;
		}
		els_symset_remove(set, m->m.name);
		struct els_error *err = els_symset_add(set, m->m.name, st, true);
		if (err)
			return err;
	}
	return NULL;
}

static struct els_error *walk(struct els_cli *cli, struct els_linux **lx,
			      struct module_vec *mods)
{
	struct els_error *err = els_cli_linux(cli, lx);
	if (err)
		return err;
	if ((err = els_linux_for_each_module(*lx, collect, mods)))
		return err;
	return NULL;
}

struct els_error *els_cli_load_modules(struct els_cli *cli)
{
	return els_cli_load_module(cli, NULL);
}

struct els_error *els_cli_load_module(struct els_cli *cli, const char *only)
{
	struct els_linux *lx;
	struct module_vec mods = { 0 };
	struct els_error *err = walk(cli, &lx, &mods);
	if (!err)
		err = load_symbols(cli, lx, &mods, only);
	free_modules(&mods);
	return err;
}

static void print_json(const struct module_vec *mods, bool sections)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < mods->len; i++) {
		const struct module *m = &mods->data[i];
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(m->m.name));
		json_object_object_add(o, "base", els_json_addr(m->m.base));
		json_object_object_add(o, "size",
				       json_object_new_int64((int64_t)m->m.size));
		json_object_object_add(o, "state",
				       json_object_new_string(els_linux_module_state_name(m->m.state)));
		json_object_object_add(o, "address", els_json_addr(m->m.addr));
		json_object_object_add(o, "symbols",
				       m->src ? json_object_new_string(source_names[m->src])
					      : NULL);
		if (sections) {
			struct json_object *s = NULL;
			if (m->secs) {
				s = json_object_new_object();
				for (size_t j = 0; j < m->nsecs; j++)
					json_object_object_add(s, m->secs[j].name,
							       els_json_addr(m->secs[j].addr));
			}
			json_object_object_add(o, "sections", s);
		}
		json_object_array_add(a, o);
	}
	els_cli_print_json(a);
}

static void print_text(const struct module_vec *mods, bool sections)
{
	printf("%-24s %8s  %-18s  %-9s %s\n", "Module", "Size", "Base", "State",
	       "Symbols");
	for (size_t i = 0; i < mods->len; i++) {
		const struct module *m = &mods->data[i];
		printf("%-24s %8" PRIu64 "  0x%016" PRIx64 "  %-9s %s\n",
		       m->m.name, m->m.size, m->m.base,
		       els_linux_module_state_name(m->m.state),
		       m->src ? source_names[m->src] : "-");
		if (!sections)
			continue;
		if (!m->secs) {
			printf("  (sections: %s)\n",
			       m->secs_err ? m->secs_err->message : "none");
			continue;
		}
		for (size_t j = 0; j < m->nsecs; j++)
			printf("  %-32s 0x%016" PRIx64 "\n", m->secs[j].name,
			       m->secs[j].addr);
	}
}

struct els_error *els_cmd_mod(struct els_cli *cli, int argc, char **argv)
{
	bool sections = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--sections"))
			sections = true;
		else
			return els_error_create(ELS_ERR_USAGE,
						"unknown argument '%s' (mod [--sections])",
						argv[i]);
	}
	struct els_linux *lx;
	struct module_vec mods = { 0 };
	struct els_error *err = walk(cli, &lx, &mods);
	if (!err)
		err = load_symbols(cli, lx, &mods, NULL);
	for (size_t i = 0; !err && sections && i < mods.len; i++) {
		struct els_error *e = read_sections(lx, &mods.data[i]);
		/* A module without sections says so in its entry. */
		if (e && e->code != ELS_ERR_NOT_FOUND)
			err = els_error_create(e->code, "%s", e->message);
	}
	if (!err) {
		if (cli->json)
			print_json(&mods, sections);
		else
			print_text(&mods, sections);
	}
	free_modules(&mods);
	return err;
}
