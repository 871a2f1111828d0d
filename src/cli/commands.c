/* SPDX-License-Identifier: MIT */
/* The command table and the commands of the foundation. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/hex.h"
#include "core/strbuf.h"
#include "os/linux/user.h"

/* A read larger than this is refused: it would not fit any sane output. */
#define MAX_READ ((size_t)1 << 30)

/* ---- word splitting ---- */

struct els_error *els_cli_split(const char *line, int *argc, char ***argv)
{
	char **words = NULL;
	int n = 0, cap = 0;
	struct els_strbuf w = { 0 };
	const char *p = line;
	struct els_error *err = NULL;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		els_strbuf_reset(&w);
		bool ok = els_strbuf_add(&w, "", 0);
		char quote = 0;
		while (ok && *p && (quote || (*p != ' ' && *p != '\t' &&
					      *p != '\n' && *p != '\r'))) {
			if (quote && *p == quote) {
				quote = 0;
				p++;
			} else if (!quote && (*p == '\'' || *p == '"')) {
				quote = *p++;
			} else if (*p == '\\' && quote != '\'' && p[1]) {
				ok = els_strbuf_addc(&w, p[1]);
				p += 2;
			} else {
				ok = els_strbuf_addc(&w, *p++);
			}
		}
		if (!ok) {
			err = &els_enomem;
			goto fail;
		}
		if (quote) {
			err = els_error_create(ELS_ERR_USAGE,
					       "unterminated %c quote", quote);
			goto fail;
		}
		if (n + 2 > cap) {
			cap = cap ? cap * 2 : 8;
			char **nw = realloc(words, (size_t)cap * sizeof(*nw));
			if (!nw) {
				err = &els_enomem;
				goto fail;
			}
			words = nw;
		}
		words[n++] = els_strbuf_steal(&w);
		words[n] = NULL;
	}
	els_strbuf_deinit(&w);
	*argc = n;
	*argv = words;
	return NULL;
fail:
	els_strbuf_deinit(&w);
	els_cli_free_words(n, words);
	return err;
}

void els_cli_free_words(int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

/* ---- option helpers ---- */

static struct els_error *parse_num(const char *what, const char *s,
				   uint64_t *ret)
{
	if (!s)
		return els_error_create(ELS_ERR_USAGE, "%s needs a value",
					what);
	if (!els_parse_u64(s, ret))
		return els_error_create(ELS_ERR_USAGE,
					"%s: '%s' is not a number (decimal or 0x hex)",
					what, s);
	return NULL;
}

static struct els_error *parse_cpu(struct els_cli *cli, const char *s,
				   int *ret)
{
	uint64_t v;
	struct els_error *err = parse_num("--cpu", s, &v);
	if (err)
		return err;
	if (v > INT32_MAX)
		return els_error_create(ELS_ERR_USAGE, "no CPU %s", s);
	if ((err = els_target_check_cpu(cli->t, (int)v)))
		return err;
	*ret = (int)v;
	return NULL;
}

static struct els_error *unknown_option(const char *opt, const char *usage)
{
	return els_error_create(ELS_ERR_USAGE, "unknown option %s (usage: %s)",
				opt, usage);
}

static const char *stop_reason_name(enum els_stop_reason r)
{
	switch (r) {
	case ELS_STOP_SIGNAL: return "halted";
	case ELS_STOP_BREAK: return "breakpoint";
	case ELS_STOP_WATCH: return "watchpoint";
	case ELS_STOP_EXITED: return "exited";
	}
	return "halted";
}

static struct json_object *stop_json(const struct els_stop *s)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "reason",
			       json_object_new_string(stop_reason_name(s->reason)));
	json_object_object_add(o, "signal", json_object_new_int(s->signal));
	json_object_object_add(o, "cpu", s->cpu >= 0 ? json_object_new_int(s->cpu)
						     : NULL);
	if (s->reason == ELS_STOP_WATCH)
		json_object_object_add(o, "address", els_json_addr(s->watch_addr));
	return o;
}

static const char *signal_name(int sig)
{
	switch (sig) {
	case 2: return "SIGINT";
	case 5: return "SIGTRAP";
	case 11: return "SIGSEGV";
	default: return NULL;
	}
}

static void print_stop_text(const struct els_stop *s)
{
	if (s->cpu >= 0)
		printf("CPU %d ", s->cpu);
	switch (s->reason) {
	case ELS_STOP_BREAK:
		printf("hit a breakpoint");
		break;
	case ELS_STOP_WATCH:
		printf("hit a watchpoint at 0x%" PRIx64, s->watch_addr);
		break;
	case ELS_STOP_EXITED:
		printf("the target exited");
		break;
	default:
		printf("stopped");
		break;
	}
	const char *name = signal_name(s->signal);
	if (name)
		printf(" (%s)\n", name);
	else
		printf(" (signal %d)\n", s->signal);
}

/* Registers are little-endian byte strings: print them as one number. */
static void reg_hex(const uint8_t *buf, size_t size, char *out)
{
	char *p = out;
	*p++ = '0';
	*p++ = 'x';
	size_t i = size;
	while (i > 1 && buf[i - 1] == 0)
		i--;
	p += sprintf(p, "%x", buf[i - 1]);
	while (--i > 0)
		p += sprintf(p, "%02x", buf[i - 1]);
	*p = '\0';
}

/* ---- info ---- */

struct describe_ctx {
	struct json_object *obj;
};

static void emit_detail(const char *key, const char *value, void *arg)
{
	struct describe_ctx *ctx = arg;
	if (ctx->obj)
		json_object_object_add(ctx->obj, key,
				       json_object_new_string(value));
	else
		printf("  %-22s %s\n", key, value);
}

static struct els_error *cmd_info(struct els_cli *cli, int argc, char **argv)
{
	if (argc > 1)
		return unknown_option(argv[1], "info");
	struct els_target *t = cli->t;
	const char *state = !t->can_run ? "static"
			    : t->running ? "running" : "halted";
	if (cli->json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "target", json_object_new_string(t->spec));
		json_object_object_add(o, "kind",
				       json_object_new_string(t->ops->kind));
		json_object_object_add(o, "state", json_object_new_string(state));
		json_object_object_add(o, "cpus",
				       json_object_new_int((int)t->cpus.len));
		json_object_object_add(o, "registers",
				       json_object_new_int((int)t->regs.len));
		if (t->can_run && !t->running && t->has_last_stop)
			json_object_object_add(o, "stop", stop_json(&t->last_stop));
		struct describe_ctx ctx = { .obj = json_object_new_object() };
		if (t->ops->describe)
			t->ops->describe(t, emit_detail, &ctx);
		json_object_object_add(o, "details", ctx.obj);
		els_cli_info_breakpoints(cli, o);
		els_cli_info_hv(cli, o);
		els_cli_print_json(o);
		return NULL;
	}
	printf("target   %s (%s)\n", t->spec, t->ops->kind);
	printf("state    %s", state);
	if (t->can_run && !t->running && t->has_last_stop) {
		printf(": ");
		print_stop_text(&t->last_stop);
	} else {
		printf("\n");
	}
	printf("cpus     %zu\n", t->cpus.len);
	els_cli_info_breakpoints(cli, NULL);
	els_cli_info_hv(cli, NULL);
	struct describe_ctx ctx = { 0 };
	if (t->ops->describe)
		t->ops->describe(t, emit_detail, &ctx);
	return NULL;
}

/* ---- regs ---- */

static bool is_core_reg(const struct els_reg_desc *r)
{
	if (r->feature)
		return strstr(r->feature, ".core") != NULL;
	return r->group && !strcmp(r->group, "general");
}

/*
 * Registers that hold code or data addresses: the general ones and the
 * system registers that are addresses (ELR, FAR, VBAR, SP_ELx). Control
 * registers (HCR_EL2, TTBRs, ...) are not named after symbols.
 */
static bool holds_address(const struct els_reg_desc *r)
{
	if (is_core_reg(r))
		return strcasecmp(r->name, "cpsr") != 0;
	static const char *const prefixes[] = { "ELR", "FAR", "VBAR", "SP_EL" };
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		if (!strncasecmp(r->name, prefixes[i], strlen(prefixes[i])))
			return true;
	}
	return false;
}

/* A register in text, with the symbol its value falls in, if any. */
static void print_reg_text(struct els_cli *cli, const struct els_reg_desc *r,
			   const char *name, const char *hex,
			   const uint8_t *buf, size_t size)
{
	char sym[256];
	uint64_t v = 0;
	if (size == 8 && (cli->vmlinux || cli->xen) && holds_address(r)) {
		for (size_t b = 0; b < 8; b++)
			v |= (uint64_t)buf[b] << (8 * b);
		if (v && els_cli_symbolize(cli, v, sym, sizeof(sym))) {
			printf("%-14s %-18s <%s>\n", name, hex, sym);
			return;
		}
	}
	printf("%-14s %s\n", name, hex);
}

static struct els_error *cmd_regs(struct els_cli *cli, int argc, char **argv)
{
	static const char usage[] = "regs [--cpu N] [--all] [NAME...]";
	int cpu = cli->cpu;
	bool all = false;
	struct els_error *err;
	/* Options may stand anywhere; the other words are register names. */
	char **words = calloc((size_t)argc + 1, sizeof(*words));
	if (!words)
		return &els_enomem;
	size_t n = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--cpu")) {
			if ((err = parse_cpu(cli, i + 1 < argc ? argv[++i] : NULL,
					     &cpu))) {
				free(words);
				return err;
			}
		} else if (!strcmp(argv[i], "--all")) {
			all = true;
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			free(words);
			return unknown_option(argv[i], usage);
		} else {
			words[n++] = argv[i];
		}
	}
	if (all && n) {
		free(words);
		return els_error_create(ELS_ERR_USAGE,
					"--all or names, not both (usage: %s)",
					usage);
	}
	/* Addresses of a CPU in a guest are named in that VM's kernel. */
	int vcpu;
	if (cli->xen)
		cli->vm = els_cli_vm_of_cpu(cli, cpu, true, &vcpu);

	/* The registers to show, and the names to show them under. */
	const struct els_reg_desc **regs;
	const char **names;
	size_t count = 0;
	size_t max = n ? n : cli->t->regs.len;
	regs = calloc(max ? max : 1, sizeof(*regs));
	names = calloc(max ? max : 1, sizeof(*names));
	if (!regs || !names) {
		err = &els_enomem;
		goto out;
	}
	if (n) {
		for (size_t i = 0; i < n; i++) {
			const char *name = words[i];
			regs[count] = els_target_find_reg(cli->t, name);
			if (!regs[count]) {
				err = els_error_create(ELS_ERR_NOT_FOUND,
						       "the target has no register '%s'",
						       name);
				goto out;
			}
			names[count++] = name;
		}
	} else {
		for (size_t i = 0; i < cli->t->regs.len; i++) {
			const struct els_reg_desc *r = &cli->t->regs.data[i];
			if (all || is_core_reg(r)) {
				regs[count] = r;
				names[count++] = r->name;
			}
		}
	}

	struct json_object *o = cli->json ? json_object_new_object() : NULL;
	for (size_t i = 0; i < count; i++) {
		size_t size = (regs[i]->bitsize + 7) / 8;
		uint8_t *buf = calloc(1, size);
		char *hex = malloc(2 * size + 3);
		if (!buf || !hex) {
			free(buf);
			free(hex);
			err = &els_enomem;
			break;
		}
		err = els_target_read_reg(cli->t, cpu, regs[i], buf);
		if (err && !n && err->code != ELS_ERR_CLOSED &&
		    err->code != ELS_ERR_TIMEOUT &&
		    err->code != ELS_ERR_INTERRUPTED) {
			/* In a listing, an unavailable register is shown so. */
			els_error_destroy(err);
			err = NULL;
			if (o)
				json_object_object_add(o, names[i], NULL);
			else
				printf("%-14s <unavailable>\n", names[i]);
		} else if (!err) {
			reg_hex(buf, size, hex);
			if (o)
				json_object_object_add(o, names[i],
						       json_object_new_string(hex));
			else
				print_reg_text(cli, regs[i], names[i], hex, buf, size);
		}
		free(buf);
		free(hex);
		if (err)
			break;
	}
	if (o) {
		if (err)
			json_object_put(o);
		else
			els_cli_print_json(o);
	}
out:
	free(regs);
	free(names);
	free(words);
	return err;
}

/* ---- x ---- */

static void progress(uint64_t done, uint64_t total, void *arg)
{
	if (!isatty(STDERR_FILENO))
		return;
	fprintf(stderr, "\rreading %.1f of %.1f MiB", done / 1048576.0,
		total / 1048576.0);
	fflush(stderr);
}

static struct els_error *write_file(const char *path, const uint8_t *buf,
				    size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return els_error_errno(errno, "%s", path);
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(fd, buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return els_error_errno(e, "writing %s", path);
		}
		done += (size_t)n;
	}
	if (close(fd) < 0)
		return els_error_errno(errno, "writing %s", path);
	return NULL;
}

/* What every JSON answer of x starts with. */
static struct json_object *x_json(uint64_t addr, uint64_t len,
				  const char *space)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "address", els_json_addr(addr));
	json_object_object_add(o, "length", json_object_new_int64((int64_t)len));
	json_object_object_add(o, "space", json_object_new_string(space));
	return o;
}

/*
 * x --pid: a process's memory through its own page tables. The read stops
 * at the first page that is not present: the bytes before it are shown
 * (printed, written or in "data"), the page and why it is absent are said
 * ("not_present" in JSON), and the command fails naming that page.
 */
static struct els_error *x_pid(struct els_cli *cli, int32_t pid,
			       uint64_t addr, uint64_t len, const char *out)
{
	struct els_linux *lx;
	struct els_linux_user *u;
	struct els_error *err = els_cli_linux(cli, &lx);
	if (err || (err = els_linux_user_open(lx, pid, &u)))
		return err;
	uint8_t *buf = malloc((size_t)len);
	struct els_linux_page *why = malloc(sizeof(*why));
	char reason[4200];
	size_t done = 0;
	if (!buf || !why) {
		err = &els_enomem;
		goto out;
	}
	if ((err = els_linux_user_read(u, addr, buf, (size_t)len, &done, why)))
		goto out;
	if (done < len)
		els_linux_page_describe(why, reason, sizeof(reason));
	if (out && (err = write_file(out, buf, done)))
		goto out;
	if (cli->json) {
		struct json_object *o = x_json(addr, len, "pid");
		json_object_object_add(o, "pid", json_object_new_int(pid));
		json_object_object_add(o, "read", json_object_new_int64((int64_t)done));
		if (out) {
			json_object_object_add(o, "file", json_object_new_string(out));
		} else {
			char *hex = malloc(2 * done + 1);
			if (!hex) {
				json_object_put(o);
				err = &els_enomem;
				goto out;
			}
			els_hex_encode(buf, done, hex);
			json_object_object_add(o, "data",
					       json_object_new_string_len(hex, (int)(2 * done)));
			free(hex);
		}
		struct json_object *np = NULL;
		if (done < len) {
			np = json_object_new_object();
			json_object_object_add(np, "address", els_json_addr(why->va));
			json_object_object_add(np, "state",
					       json_object_new_string(els_linux_page_state_name(why->state)));
			json_object_object_add(np, "reason", json_object_new_string(reason));
			json_object_object_add(np, "pte", els_json_addr(why->pte));
			if (why->state == ELS_PAGE_FILE_NONE) {
				json_object_object_add(np, "file", json_object_new_string(why->path));
				json_object_object_add(np, "file_offset",
						       json_object_new_int64((int64_t)why->file_offset));
			}
			if (why->state == ELS_PAGE_SWAP || why->state == ELS_PAGE_NONSWAP) {
				json_object_object_add(np, "swap_type", json_object_new_int((int)why->swap_type));
				json_object_object_add(np, "swap_offset",
						       json_object_new_int64((int64_t)why->swap_offset));
			}
		}
		json_object_object_add(o, "not_present", np);
		els_cli_print_json(o);
	} else if (out) {
		printf("wrote %zu bytes to %s\n", done, out);
	} else {
		els_cli_hexdump(stdout, addr, buf, done);
		if (done < len)
			printf("0x%016" PRIx64 ": not present: %s\n", why->va, reason);
	}
	if (done < len)
		err = els_error_addr(ELS_ERR_NOT_MAPPED, why->va,
				     "pid %d: the page at 0x%" PRIx64
				     " is not present: %s (%zu of %" PRIu64 " bytes read)",
				     pid, why->va, reason, done, len);
out:
	free(why);
	free(buf);
	els_linux_user_destroy(u);
	return err;
}

static struct els_error *cmd_x(struct els_cli *cli, int argc, char **argv)
{
	static const char usage[] =
		"x [--phys | --ipa | --stub | --pid P] [--cpu N] [--out FILE] ADDR LEN";
	bool phys = false, stub = false, ipa = false, has_pid = false;
	uint64_t pid = 0;
	int cpu = cli->cpu;
	const char *out = NULL;
	const char *pos[2];
	int npos = 0;
	struct els_error *err;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--phys")) {
			phys = true;
		} else if (!strcmp(argv[i], "--stub")) {
			stub = true;
		} else if (!strcmp(argv[i], "--ipa")) {
			ipa = true;
		} else if (!strcmp(argv[i], "--pid")) {
			if ((err = parse_num("--pid", i + 1 < argc ? argv[++i] : NULL,
					     &pid)))
				return err;
			if (pid > INT32_MAX)
				return els_error_create(ELS_ERR_USAGE,
							"--pid: %" PRIu64 " is not a pid", pid);
			has_pid = true;
		} else if (!strcmp(argv[i], "--cpu")) {
			if ((err = parse_cpu(cli, i + 1 < argc ? argv[++i] : NULL,
					     &cpu)))
				return err;
		} else if (!strcmp(argv[i], "--out")) {
			if (i + 1 >= argc)
				return els_error_create(ELS_ERR_USAGE,
							"--out needs a file");
			out = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			return unknown_option(argv[i], usage);
		} else if (npos < 2) {
			pos[npos++] = argv[i];
		} else {
			return els_error_create(ELS_ERR_USAGE, "usage: %s",
						usage);
		}
	}
	if (npos != 2)
		return els_error_create(ELS_ERR_USAGE, "usage: %s", usage);
	uint64_t addr, len;
	if ((err = parse_num("address", pos[0], &addr)) ||
	    (err = parse_num("length", pos[1], &len)))
		return err;
	if (len == 0)
		return els_error_create(ELS_ERR_USAGE, "length is 0");
	if (len > MAX_READ)
		return els_error_create(ELS_ERR_USAGE,
					"length %" PRIu64 " is over the limit of 1 GiB",
					len);
	if (phys + stub + ipa + has_pid > 1)
		return els_error_create(ELS_ERR_USAGE,
					"one of --phys, --ipa, --stub and --pid");
	if (has_pid)
		return x_pid(cli, (int32_t)pid, addr, len, out);
	if (stub && !cli->t->can_run)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"--stub: a %s target has no stub to translate",
					cli->t->ops->kind);
	if (!phys && !stub && !cli->t->cpus.len)
		return els_error_create(ELS_ERR_UNSUPPORTED,
					"a %s target has no CPUs whose translation to follow: use x --phys",
					cli->t->ops->kind);
	const char *space = phys ? "phys" : stub ? "stub" : ipa ? "ipa" : "virt";
	uint8_t *buf = malloc((size_t)len);
	if (!buf)
		return &els_enomem;
	cli->t->progress = progress;
	if (phys || stub) {
		struct els_aspace as = phys ? els_aspace_phys()
					    : els_aspace_cpu_virt(cpu);
		err = els_target_read(cli->t, &as, addr, buf, (size_t)len);
	} else if (ipa) {
		err = els_cli_read_ipa(cli, cpu, addr, buf, (size_t)len);
	} else {
		err = els_cli_read_virt(cli, cpu, addr, buf, (size_t)len);
	}
	cli->t->progress = NULL;
	if (isatty(STDERR_FILENO) && len > 1024 * 1024)
		fputs("\r\033[K", stderr); /* clear the progress line */
	if (err)
		goto out;
	if (out) {
		err = write_file(out, buf, (size_t)len);
		if (!err && cli->json) {
			struct json_object *o = x_json(addr, len, space);
			json_object_object_add(o, "file", json_object_new_string(out));
			els_cli_print_json(o);
		} else if (!err) {
			printf("wrote %" PRIu64 " bytes to %s\n", len, out);
		}
	} else if (cli->json) {
		char *hex = malloc(2 * (size_t)len + 1);
		if (!hex) {
			err = &els_enomem;
			goto out;
		}
		els_hex_encode(buf, (size_t)len, hex);
		struct json_object *o = x_json(addr, len, space);
		json_object_object_add(o, "data",
				       json_object_new_string_len(hex, (int)(2 * len)));
		free(hex);
		els_cli_print_json(o);
	} else {
		els_cli_hexdump(stdout, addr, buf, (size_t)len);
	}
out:
	free(buf);
	return err;
}

/* ---- run control ---- */

static struct els_error *print_state(struct els_cli *cli, const char *state,
				     const struct els_stop *stop)
{
	if (cli->json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "state", json_object_new_string(state));
		if (stop)
			json_object_object_add(o, "stop", stop_json(stop));
		els_cli_print_json(o);
	} else if (stop) {
		printf("%s: ", state);
		print_stop_text(stop);
	} else {
		printf("%s\n", state);
	}
	return NULL;
}

struct els_error *els_cli_context_option(int argc, char **argv, int *i,
					 int *vm, int32_t *pid, bool *taken)
{
	*taken = !strcmp(argv[*i], "--vm") || !strcmp(argv[*i], "--pid");
	if (!*taken)
		return NULL;
	bool is_vm = argv[*i][2] == 'v';
	const char *arg = *i + 1 < argc ? argv[++*i] : NULL;
	uint64_t v;
	if (!arg || !els_parse_u64(arg, &v) || v > (is_vm ? 0x7fefu : INT32_MAX))
		return els_error_create(ELS_ERR_USAGE, "%s: '%s' is not %s",
					is_vm ? "--vm" : "--pid", arg ? arg : "",
					is_vm ? "a VM id" : "a process id");
	if (is_vm)
		*vm = (int)v;
	else
		*pid = (int32_t)v;
	return NULL;
}

static struct els_error *cmd_halt(struct els_cli *cli, int argc, char **argv)
{
	static const char usage[] = "halt [--vm N] [--pid P] [--timeout S]";
	int vm = -1;
	int32_t pid = -1;
	double timeout = 0;
	struct els_error *err;
	for (int i = 1; i < argc; i++) {
		bool taken;
		if ((err = els_cli_context_option(argc, argv, &i, &vm, &pid, &taken)))
			return err;
		if (taken)
			continue;
		if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			if (!els_parse_double(argv[++i], &timeout) ||
			    timeout <= 0 || timeout > 1e7)
				return els_error_create(ELS_ERR_USAGE,
							"--timeout: '%s' is not a number of seconds",
							argv[i]);
		} else {
			return unknown_option(argv[i], usage);
		}
	}
	if (vm >= 0 || pid >= 0)
		return els_cli_halt_in(cli, vm, pid, timeout);
	if (timeout > 0)
		return els_error_create(ELS_ERR_USAGE,
					"--timeout goes with --vm or --pid (usage: %s)",
					usage);
	struct els_stop stop;
	err = els_target_halt(cli->t, &stop);
	if (err)
		return err;
	/* The user asked for it: it stays halted when elscope leaves. */
	cli->t->keep_halted = true;
	cli->t->halted_by_us = false;
	if (stop.cpu >= 0)
		cli->cpu = stop.cpu;
	return print_state(cli, "halted", &stop);
}

static struct els_error *cmd_cont(struct els_cli *cli, int argc, char **argv)
{
	if (argc > 1)
		return unknown_option(argv[1], "cont");
	struct els_error *err = els_cli_step_over(cli);
	if (!err)
		err = els_target_resume(cli->t);
	if (err)
		return err;
	cli->t->keep_halted = false;
	return print_state(cli, "running", NULL);
}

static struct els_error *cmd_step(struct els_cli *cli, int argc, char **argv)
{
	static const char usage[] = "step [--cpu N | --vm N [--pid P] | --pid P]";
	int cpu = cli->cpu, vm = -1;
	int32_t pid = -1;
	bool has_cpu = false;
	struct els_error *err;
	for (int i = 1; i < argc; i++) {
		bool taken;
		if ((err = els_cli_context_option(argc, argv, &i, &vm, &pid, &taken)))
			return err;
		if (taken)
			continue;
		if (!strcmp(argv[i], "--cpu")) {
			if ((err = parse_cpu(cli, i + 1 < argc ? argv[++i] : NULL,
					     &cpu)))
				return err;
			has_cpu = true;
		} else {
			return unknown_option(argv[i], usage);
		}
	}
	if (has_cpu && (vm >= 0 || pid >= 0))
		return els_error_create(ELS_ERR_USAGE,
					"--cpu or a context (--vm, --pid), not both (usage: %s)",
					usage);
	if ((vm >= 0 || pid >= 0) &&
	    (err = els_cli_context_cpu(cli, vm, pid, &cpu)))
		return els_error_wrap(err, "nothing to step");
	struct els_stop stop;
	if ((err = els_target_step(cli->t, cpu, &stop)))
		return err;
	uint64_t pc;
	if ((err = els_target_read_reg_u64(cli->t, cpu, "pc", &pc)))
		return err;
	if (cli->json) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "state", json_object_new_string("halted"));
		json_object_object_add(o, "cpu", json_object_new_int(cpu));
		json_object_object_add(o, "pc", els_json_addr(pc));
		json_object_object_add(o, "stop", stop_json(&stop));
		els_cli_print_json(o);
	} else {
		printf("CPU %d stepped to pc 0x%" PRIx64 "\n", cpu, pc);
	}
	return NULL;
}

/* ---- help ---- */

static struct els_error *cmd_help(struct els_cli *cli, int argc, char **argv)
{
	for (const struct els_cmd *c = els_cli_commands; c->name; c++) {
		if (argc > 1 && strcmp(argv[1], c->name))
			continue;
		printf("%-44s %s\n", c->usage, c->help);
	}
	return NULL;
}

static struct els_error *cmd_quit(struct els_cli *cli, int argc, char **argv)
{
	cli->quit = true;
	return NULL;
}

const struct els_cmd els_cli_commands[] = {
	{ "info", "info", "what the target is and what it offers", cmd_info },
	{ "regs", "regs [--cpu N] [--all] [NAME...]",
	  "registers of a CPU (system registers by name, e.g. TTBR1_EL1)",
	  cmd_regs },
	{ "x", "x [--phys | --ipa | --stub | --pid P] [--cpu N] [--out FILE] ADDR LEN",
	  "memory: virtual (elscope's own translation of the CPU's context), physical, IPA (the CPU's stage 2), or as the stub translates",
	  cmd_x },
	{ "vtop", "vtop [--cpu N] [--regime auto|el1|el2|el20] VA",
	  "translate VA -> IPA -> PA, every level of both stages", els_cmd_vtop },
	{ "pt", "pt [--cpu N] [--regime R] [--stage2] [--max N]",
	  "list the mapped ranges of a CPU's tables (merged), with attributes",
	  els_cmd_pt },
	{ "sym",
	  "sym [--vm N [--cpu C]] [--file ELF [--base ADDR | --section NAME=ADDR...]] ADDR|[IMAGE:]NAME",
	  "symbol+offset, size and source line of an address; address of a name (kernel slid by KASLR)",
	  els_cmd_sym },
	{ "ps", "ps [--vm N] [-t]", "the kernel's tasks (-t: every thread) and what each CPU runs",
	  els_cmd_ps },
	{ "bt", "bt [--vm N] [PID | --cpu N]", "kernel backtrace of a task, with symbols and source lines",
	  els_cmd_bt },
	{ "mod", "mod [--vm N] [--sections]", "loaded kernel modules, their symbols loaded from --sysroot or from memory",
	  els_cmd_mod },
	{ "maps", "maps [--vm N] PID", "a process's memory map, as /proc/PID/maps", els_cmd_maps },
	{ "log", "log [--vm N] [--tail N]", "the kernel log (printk ring buffer)", els_cmd_log },
	{ "ctx", "ctx", "what each CPU runs: exception level, VMID, VM, vCPU, the guest's task, PC and symbol; ESR_EL2 and the hypercall at EL2",
	  els_cmd_ctx },
	{ "vm", "vm", "the hypervisor's VMs (Xen domains): id, VMID, vCPUs, memory, p2m root",
	  els_cmd_vm },
	{ "vcpu", "vcpu [--vm N]", "vCPUs: physical CPU, state, runstate times",
	  els_cmd_vcpu },
	{ "profile", "profile [--seconds S] [--rate HZ] [--by vm,vcpu,pid,func,el] [--out FILE.csv|.folded|.html|.json] [--bare]",
	  "sample every CPU through the probe: shares per VM, vCPU, process, function, exception level; Xen's own accounting beside",
	  els_cmd_profile },
	{ "trace", "trace [--seconds S] [--sched] [--out FILE.csv|.json|.html]",
	  "Xen's scheduler timeline from its trace buffers read in memory (halt, drain, resume every ~150 ms): what each pCPU ran, waits, wakes; share per pCPU and VM",
	  els_cmd_trace },
	{ "ftrace", "ftrace [--vm N] [--records] [--top N] [--out FILE.csv|.json|.html]",
	  "what a Linux kernel's ftrace ring buffer holds now (sched_switch, sched_wakeup), read in memory, not consumed: busiest tasks per CPU, wakeups, the records, the timeline",
	  els_cmd_ftrace },
	{ "halt", "halt [--vm N] [--pid P] [--timeout S]",
	  "stop every CPU (stays halted when elscope exits); with a context, when it runs on a CPU (at once, or when it next comes onto one), and say which",
	  cmd_halt },
	{ "cont", "cont", "resume every CPU", cmd_cont },
	{ "step", "step [--cpu N | --vm N [--pid P] | --pid P]",
	  "execute one instruction on a CPU, or on the CPU that runs the context",
	  cmd_step },
	{ "break", "break [--hw] [--vm N] [--el 0|1|2] [--pid P] [ADDR|[IMAGE:]NAME]",
	  "set a software (--hw: hardware) breakpoint at an address or a symbol of xen-syms, the kernel (xen:NAME, vmlinux:NAME, MODULE:NAME) or with --pid the process (LIB.so:NAME); it stops only in its context (--vm, --el, --pid); alone, list them",
	  els_cmd_break },
	{ "watch", "watch ADDR|[IMAGE:]NAME LEN [r|w|rw] [--vm N] [--pid P] [--el E]",
	  "set a watchpoint on LEN bytes (w: writes, the default; r: reads; rw: both), stopping only in its context; alone, list",
	  els_cmd_watch },
	{ "delete", "delete [ID...|all]", "remove breakpoints and watchpoints (all without an id)",
	  els_cmd_delete },
	{ "wait", "wait [--timeout S]",
	  "after 'cont': wait until the target stops (breakpoint), say where; Ctrl-C halts it",
	  els_cmd_wait },
	{ "gdbserver", "gdbserver [--vm N] [--pid P] [--listen HOST:PORT] [--once]",
	  "serve one VM's kernel (its tasks as threads) or one process to gdb: memory through its own translation, breakpoints that stop only in it; gdb leaving lets the machine run (default 127.0.0.1:1234)",
	  els_cmd_gdbserver },
	{ "help", "help [COMMAND]", "this list", cmd_help },
	{ "quit", "quit", "leave (the target is resumed unless halted by 'halt')",
	  cmd_quit },
	{ 0 },
};

/* Commands that look at target state want it halted. */
static bool needs_halted(const char *name)
{
	return !strcmp(name, "regs") || !strcmp(name, "x") ||
	       !strcmp(name, "step") || !strcmp(name, "vtop") ||
	       !strcmp(name, "pt") || !strcmp(name, "sym") ||
	       !strcmp(name, "ps") || !strcmp(name, "bt") ||
	       !strcmp(name, "mod") || !strcmp(name, "maps") ||
	       !strcmp(name, "log") || !strcmp(name, "break") ||
	       !strcmp(name, "watch") ||
	       !strcmp(name, "delete") || !strcmp(name, "ctx") ||
	       !strcmp(name, "vm") || !strcmp(name, "vcpu") ||
	       !strcmp(name, "ftrace");
}

/* Commands whose --vm N (Xen domain id, or "host") the shell takes off. */
static bool takes_vm(const char *name)
{
	return !strcmp(name, "ps") || !strcmp(name, "bt") ||
	       !strcmp(name, "mod") || !strcmp(name, "maps") ||
	       !strcmp(name, "log") || !strcmp(name, "x") ||
	       !strcmp(name, "vcpu") || !strcmp(name, "ftrace") ||
	       !strcmp(name, "gdbserver");
}

/* Take "--vm N" out of argv into *vm (-1: host). */
static struct els_error *strip_vm(int *argc, char **argv, int *vm)
{
	*vm = -1;
	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--vm"))
			continue;
		if (i + 1 >= *argc)
			return els_error_create(ELS_ERR_USAGE,
						"--vm needs a VM id (a Xen domain id, or 'host')");
		uint64_t v = 0;
		if (strcmp(argv[i + 1], "host") &&
		    (!els_parse_u64(argv[i + 1], &v) || v > 0x7fef))
			return els_error_create(ELS_ERR_USAGE,
						"--vm: '%s' is not a VM id (a Xen domain id, or 'host')",
						argv[i + 1]);
		*vm = strcmp(argv[i + 1], "host") ? (int)v : -1;
		memmove(argv + i, argv + i + 2,
			(size_t)(*argc - i - 2) * sizeof(*argv));
		*argc -= 2;
		i--;
	}
	return NULL;
}

struct els_error *els_cli_run(struct els_cli *cli, const char *line,
			      const char **cmd_name)
{
	int argc;
	char **argv;
	*cmd_name = "";
	struct els_error *err = els_cli_split(line, &argc, &argv);
	if (err)
		return err;
	if (argc == 0) {
		els_cli_free_words(argc, argv);
		return NULL;
	}
	const struct els_cmd *cmd = NULL;
	for (const struct els_cmd *c = els_cli_commands; c->name; c++) {
		if (!strcmp(c->name, argv[0]) ||
		    (!strcmp(argv[0], "exit") && !strcmp(c->name, "quit")))
			cmd = c;
	}
	if (!cmd) {
		err = els_error_create(ELS_ERR_USAGE,
				       "unknown command '%s' (try 'help')",
				       argv[0]);
		els_cli_free_words(argc, argv);
		return err;
	}
	*cmd_name = cmd->name;
	struct els_target *t = cli->t;
	struct els_stats before = t->stats;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	/* Learn whether a running target stopped by itself meanwhile. */
	bool was_running = t->running;
	err = els_target_poll(t, 0);
	if (!err && was_running && !t->running)
		els_cli_target_stopped(cli); /* for `wait` */
	bool halted_here = false;
	if (!err && needs_halted(cmd->name) && t->can_run && t->running) {
		err = els_target_ensure_halted(t);
		halted_here = !err;
	}
	if (!err) {
		/* Commands may reorder their words; the originals are freed here. */
		char **words = calloc((size_t)argc + 1, sizeof(*words));
		if (!words) {
			err = &els_enomem;
		} else {
			memcpy(words, argv, (size_t)argc * sizeof(*words));
			int wc = argc;
			cli->vm = -1;
			if (takes_vm(cmd->name))
				err = strip_vm(&wc, words, &cli->vm);
			if (!err)
				err = cmd->fn(cli, wc, words);
			cli->vm = -1;
			free(words);
		}
	}
	if (halted_here && !t->keep_halted && !t->running) {
		/* We stopped it only to look: let it run on. */
		struct els_error *e2 = els_target_resume(t);
		if (!err)
			err = e2;
		else
			els_error_destroy(e2);
	}

	if (t->running)
		cli->stop_unreported = false; /* resumed since it stopped */
	if (cli->stats) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double ms = (t1.tv_sec - t0.tv_sec) * 1e3 +
			    (t1.tv_nsec - t0.tv_nsec) / 1e6;
		fflush(stdout);
		fprintf(stderr,
			"stats: %s: %" PRIu64 " round trips, %" PRIu64
			" bytes out, %" PRIu64 " bytes in, %" PRIu64
			" reads, %" PRIu64 " cache hits, %.2f ms\n",
			cmd->name, t->stats.round_trips - before.round_trips,
			t->stats.bytes_out - before.bytes_out,
			t->stats.bytes_in - before.bytes_in,
			t->stats.mem_reads - before.mem_reads,
			t->stats.cache_hits - before.cache_hits, ms);
	}
	els_cli_free_words(argc, argv);
	return err;
}
