/* ruleset: renders the firewall's files from templates/nftables/; see ruleset.h. */
#include "ruleset.h"
#include "../core/schema.h"
#include "../generators/gen.h"

#include <stdlib.h>
#include <string.h>

/* Each template, the member it is loaded into, and the member naming its file. */
static const struct {
	const char *name;
	size_t text, file;
} template_files[] = {
	{ "nftables.conf", offsetof(struct fw_templates, ruleset), offsetof(struct fw_templates, ruleset_file) },
	{ "snippet.nft", offsetof(struct fw_templates, snippet), offsetof(struct fw_templates, snippet_file) },
	{ "nftables.service.conf", offsetof(struct fw_templates, dropin), offsetof(struct fw_templates, dropin_file) },
};

#define MEMBER(t, off) (*(char **)((char *)(t) + (off)))

bool fw_templates_load(struct fw_templates *t, const char *datadir, struct diag *d)
{
	bool ok = true;
	*t = (struct fw_templates){ 0 };
	for (size_t i = 0; i < sizeof template_files / sizeof *template_files; i++) {
		char *file = xasprintf("%s/nftables/%s", datadir, template_files[i].name);
		MEMBER(t, template_files[i].text) = read_text_file(file, d);
		MEMBER(t, template_files[i].file) = file;
		ok = ok && MEMBER(t, template_files[i].text);
	}
	return ok;
}

void fw_templates_free(struct fw_templates *t)
{
	for (size_t i = 0; i < sizeof template_files / sizeof *template_files; i++) {
		free(MEMBER(t, template_files[i].text));
		free(MEMBER(t, template_files[i].file));
	}
	*t = (struct fw_templates){ 0 };
}

/* One set per transport protocol, declared in templates/nftables/nftables.conf. */
static const char *const public_sets[] = {
	[PROTO_TCP] = "public_tcp",
	[PROTO_UDP] = "public_udp",
	[PROTO_UNIX] = NULL,
};

const char *fw_public_set(const struct listener *l)
{
	return l->scope == SCOPE_PUBLIC ? public_sets[l->proto] : NULL;
}

bool fw_has_public(const struct manifest *m)
{
	for (size_t i = 0; i < m->n_listen; i++)
		if (fw_public_set(&m->listen[i]))
			return true;
	return false;
}

void fw_render_ruleset(struct buf *out, const struct fw_templates *t, bool include)
{
	const char *const vars[] = {
		"INCLUDE",
		include ? "\n# Each package's ports: one file per package that declares a public listener.\n"
			  "# Relative, so nft resolves it against its include path (/etc unless nft -I says\n"
			  "# otherwise); a glob that matches no file is no error: then nothing is open.\n"
			  "include \"" FW_SNIPPET_DIR "/*.nft\""
			: "",
		NULL,
	};
	gen_render(out, t->ruleset, vars);
}

/* A manifest's text as it may appear in nft source: nft strings have no escapes, so a double
 * quote becomes a single one, and control characters (a newline would end the statement)
 * become spaces. MAX bounds the bytes (nft allows 128 in a comment); a cut keeps whole UTF-8
 * characters and ends in "...". */
static void put_nft_text(struct buf *out, const char *s, size_t max)
{
	size_t len = strlen(s), cut = len;
	if (len > max) {
		cut = max - 3;
		while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;
	}
	for (size_t i = 0; i < cut; i++) {
		char c = s[i];
		if (c == '"')
			c = '\'';
		else if ((unsigned char)c < 0x20 || c == 0x7f)
			c = ' ';
		buf_append(out, &c, 1);
	}
	if (cut < len)
		buf_puts(out, "...");
}

#define NFT_COMMENT_MAX 128

void fw_render_snippet(struct buf *out, const struct fw_templates *t, const struct manifest *m)
{
	struct buf elements = { 0 };
	for (size_t i = 0; i < m->n_listen; i++) {
		const struct listener *l = &m->listen[i];
		const char *set = fw_public_set(l);
		if (!set)
			continue;
		/* the whole reason as a comment here; in the kernel (nft list ruleset) the package
		 * and as much of the reason as an element comment holds */
		buf_printf(&elements, "# %s %d: ", proto_name(l->proto), l->port);
		put_nft_text(&elements, l->reason, strlen(l->reason));
		buf_printf(&elements, "\nadd element " FW_FAMILY " " FW_TABLE " %s { %d comment \"", set, l->port);
		char *comment = xasprintf("%s: %s", m->name, l->reason);
		put_nft_text(&elements, comment, NFT_COMMENT_MAX);
		free(comment);
		buf_puts(&elements, "\" }\n");
	}
	/* the template's line holding @ELEMENTS@ ends with a newline the elements already have */
	if (elements.len)
		elements.data[--elements.len] = '\0';
	const char *const vars[] = { "NAME", m->name, "ELEMENTS", elements.data ? elements.data : "", NULL };
	gen_render(out, t->snippet, vars);
	buf_free(&elements);
}

char *fw_snippet_path(const struct manifest *m)
{
	return xasprintf(FW_SNIPPET_PREFIX "%s.nft", m->name);
}

void fw_build(struct outset *out, const struct fw_templates *t, struct manifest *const *ms, size_t n)
{
	struct buf b = { 0 };
	fw_render_ruleset(&b, t, true);
	outset_add(out, FW_RULESET_PATH, &b, 0644);
	for (size_t i = 0; i < n; i++) {
		if (!fw_has_public(ms[i]))
			continue;
		char *path = fw_snippet_path(ms[i]);
		fw_render_snippet(&b, t, ms[i]);
		outset_add(out, path, &b, 0644);
		free(path);
	}
	buf_puts(&b, t->dropin);
	outset_add(out, FW_DROPIN_PATH, &b, 0644);
}
