/* audit: the firewall rules, judged from libnftables' JSON form; see audit.h.
 *
 * What "accepts new inbound connections" means here: a rule reached from a base chain on
 * the input hook whose verdict is accept, and whose matches (with those of the rules that
 * jumped to it) let a packet of a new connection through: not only loopback, not only
 * established or related conntrack states, not only ICMP. Its destination ports are read
 * from its dport matches, anonymous and named sets, ranges and verdict maps; what cannot be
 * read counts as every port, so that an unreadable rule is reported rather than trusted. */
#include "audit.h"
#include "lines.h"
#include "nftns.h"
#include "ruleset.h"

#include <netdb.h>
#include <stdlib.h>
#include <string.h>

void fw_declared_add(struct fw_declared *dp, const struct manifest *m)
{
	for (size_t i = 0; i < m->n_listen; i++) {
		const struct listener *l = &m->listen[i];
		if (l->scope != SCOPE_PUBLIC || l->port < 0 || l->port > 65535)
			continue;
		unsigned char *bits = l->proto == PROTO_TCP ? dp->tcp : l->proto == PROTO_UDP ? dp->udp : NULL;
		if (bits)
			bits[l->port / 8] |= (unsigned char)(1u << (l->port % 8));
	}
	dp->manifests++;
}

bool fw_facts_parse(struct fw_facts *f, const char *json, struct diag *d)
{
	json_error_t err;
	json_t *root = json_loads(json, 0, &err);
	json_t *array = root ? json_object_get(root, "nftables") : NULL;
	if (!json_is_array(array)) {
		diag_error(d, f->file, 0, "libnftables' JSON listing cannot be read: %s",
			   root ? "no \"nftables\" array" : err.text);
		json_decref(root);
		return false;
	}
	f->ruleset = json_incref(array);
	json_decref(root);
	return true;
}

void fw_facts_free(struct fw_facts *f)
{
	json_decref(f->ruleset);
	f->ruleset = NULL;
	strlist_free(&f->sentinels);
}

void fw_findings_free(struct fw_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i].message);
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

/* Adds a finding unless the same one is there (a chain reached by two jumps). */
static void add_finding(struct fw_findings *out, const struct fw_audit_rule *r, unsigned line, char *message)
{
	for (size_t i = 0; i < out->n; i++) {
		if (out->v[i].line == line && strcmp(out->v[i].rule, r->id) == 0 && strcmp(out->v[i].message, message) == 0) {
			free(message);
			return;
		}
	}
	out->v = xreallocarray(out->v, out->n + 1, sizeof *out->v);
	out->v[out->n++] = (struct fw_finding){ r->id, r->level, line, message };
}

/* ---- reading the listing ---- */

static const char *str_of(json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? s : "";
}

/* The object under KIND ("table", "chain", "set", …) of one listing entry, or NULL. */
static json_t *entry(json_t *e, const char *kind)
{
	return json_object_get(e, kind);
}

static bool same_place(json_t *obj, const char *fam, const char *table)
{
	return strcmp(str_of(obj, "family"), fam) == 0 && strcmp(str_of(obj, "table"), table) == 0;
}

/* The named set or map NAME of a table. */
static json_t *find_set(const struct fw_facts *f, const char *fam, const char *table, const char *name)
{
	size_t i;
	json_t *e;
	json_array_foreach(f->ruleset, i, e) {
		json_t *s = entry(e, "set");
		if (!s)
			s = entry(e, "map");
		if (s && same_place(s, fam, table) && strcmp(str_of(s, "name"), name) == 0)
			return s;
	}
	return NULL;
}

static bool has_table(const struct fw_facts *f, const char *fam, const char *name)
{
	size_t i;
	json_t *e;
	json_array_foreach(f->ruleset, i, e) {
		json_t *t = entry(e, "table");
		if (t && strcmp(str_of(t, "family"), fam) == 0 && strcmp(str_of(t, "name"), name) == 0)
			return true;
	}
	return false;
}

/* ---- what a rule matches ---- */

enum { P_TCP = 1, P_UDP = 2, P_OTHER = 4, P_ICMP = 8, P_ANY = 15 };

/* A condition on the packet: a match of the rule, of a rule that jumped here, or a verdict
 * map's key equal to one of its entries. */
struct cond {
	const char *op;
	json_t *left, *right;
};

struct view {
	const struct fw_facts *f;
	const char *family, *table;
	bool lo_only, no_new;
	unsigned protos;
	bool all_ports; /* no dport match narrowed the ports */
	unsigned char ports[65536 / 8];
	const char *set; /* a named set the ports came from */
	char others[64]; /* names of protocols manifests cannot declare */
};

static void set_bit(unsigned char *bits, long long port)
{
	if (port >= 0 && port <= 65535)
		bits[port / 8] |= (unsigned char)(1u << (port % 8));
}

static bool get_bit(const unsigned char *bits, long port)
{
	return bits[port / 8] & (1u << (port % 8));
}

/* Adds the ports V names to BITS: a number, a service name, a range, an anonymous or named
 * set, an element with a comment, or component INDEX of a concatenation. False when V is
 * something else: the caller then takes it as every port. */
static bool add_ports(struct view *v, json_t *val, unsigned char *bits, int index)
{
	if (json_is_integer(val)) {
		set_bit(bits, json_integer_value(val));
		return true;
	}
	if (json_is_string(val)) {
		const char *s = json_string_value(val);
		if (s[0] == '@') {
			json_t *set = find_set(v->f, v->family, v->table, s + 1);
			if (!set)
				return false;
			v->set = s + 1;
			json_t *elems = json_object_get(set, "elem");
			size_t i;
			json_t *e;
			json_array_foreach(elems, i, e) {
				/* a map's elements are [key, value] pairs */
				if (!add_ports(v, json_is_array(e) ? json_array_get(e, 0) : e, bits, index))
					return false;
			}
			return true;
		}
		char *end;
		long n = strtol(s, &end, 10);
		if (*s && !*end) {
			set_bit(bits, n);
			return true;
		}
		struct servent *se = getservbyname(s, NULL);
		if (se) {
			set_bit(bits, ntohs((unsigned short)se->s_port));
			return true;
		}
		return false;
	}
	if (json_is_array(val)) {
		size_t i;
		json_t *e;
		json_array_foreach(val, i, e)
			if (!add_ports(v, e, bits, index))
				return false;
		return true;
	}
	json_t *x;
	if ((x = json_object_get(val, "range")) && json_array_size(x) == 2) {
		json_int_t lo = json_integer_value(json_array_get(x, 0)), hi = json_integer_value(json_array_get(x, 1));
		for (json_int_t p = lo < 0 ? 0 : lo; p <= hi && p <= 65535; p++)
			set_bit(bits, p);
		return true;
	}
	if ((x = json_object_get(val, "set")))
		return add_ports(v, x, bits, index);
	if ((x = json_object_get(val, "elem")))
		return add_ports(v, json_object_get(x, "val"), bits, index);
	if ((x = json_object_get(val, "concat")) && index >= 0)
		return add_ports(v, json_array_get(x, (size_t)index), bits, -1);
	return false;
}

/* Every string V holds (a string, a list, an anonymous set). */
static void strings_of(json_t *val, struct strlist *out)
{
	if (json_is_string(val)) {
		strlist_push(out, json_string_value(val));
	} else if (json_is_array(val)) {
		size_t i;
		json_t *e;
		json_array_foreach(val, i, e)
			strings_of(e, out);
	} else if (json_is_integer(val)) {
		char *s = xasprintf("%lld", (long long)json_integer_value(val));
		strlist_push(out, s);
		free(s);
	} else if (json_object_get(val, "set")) {
		strings_of(json_object_get(val, "set"), out);
	}
}

/* The protocol bits of a layer 4 protocol name or number. */
static unsigned proto_bits(const char *name)
{
	static const struct {
		const char *name;
		unsigned bits;
	} table[] = {
		{ "tcp", P_TCP }, { "6", P_TCP }, { "udp", P_UDP }, { "17", P_UDP },
		{ "icmp", P_ICMP }, { "1", P_ICMP }, { "ipv6-icmp", P_ICMP }, { "icmpv6", P_ICMP }, { "58", P_ICMP },
		{ "th", P_TCP | P_UDP },
	};
	for (size_t i = 0; i < sizeof table / sizeof *table; i++)
		if (strcmp(table[i].name, name) == 0)
			return table[i].bits;
	return P_OTHER;
}

static void note_other(struct view *v, const char *name)
{
	if (proto_bits(name) != P_OTHER || strstr(v->others, name))
		return;
	size_t len = strlen(v->others);
	snprintf(v->others + len, sizeof v->others - len, "%s%s", len ? ", " : "", name);
}

static bool is_equal_op(const char *op)
{
	return strcmp(op, "==") == 0 || strcmp(op, "in") == 0;
}

/* Narrows V's protocols to those named by VAL. */
static void narrow_protos(struct view *v, json_t *val)
{
	struct strlist names = { 0 };
	strings_of(val, &names);
	unsigned bits = 0;
	for (size_t i = 0; i < names.n; i++) {
		bits |= proto_bits(names.v[i]);
		note_other(v, names.v[i]);
	}
	if (names.n)
		v->protos &= bits;
	strlist_free(&names);
}

/* Narrows V's ports to VAL's (when it can read them). INDEX: see add_ports. */
static void narrow_ports(struct view *v, json_t *val, int index)
{
	unsigned char *bits = xcalloc(sizeof v->ports, 1);
	if (add_ports(v, val, bits, index)) {
		if (v->all_ports)
			memcpy(v->ports, bits, sizeof v->ports);
		else
			for (size_t i = 0; i < sizeof v->ports; i++)
				v->ports[i] &= bits[i];
		v->all_ports = false;
	}
	free(bits);
}

/* Applies a payload match: its protocol narrows the protocols, a dport its ports. */
static void apply_payload(struct view *v, json_t *payload, const char *op, json_t *right, int index)
{
	const char *proto = str_of(payload, "protocol"), *field = str_of(payload, "field");
	static const char *const l4[] = { "tcp", "udp", "th", "sctp", "dccp", "udplite", "icmp", "icmpv6", NULL };
	for (size_t i = 0; l4[i]; i++) {
		if (strcmp(proto, l4[i]) != 0)
			continue;
		v->protos &= proto_bits(proto);
		note_other(v, proto);
		if (strcmp(field, "dport") == 0 && is_equal_op(op))
			narrow_ports(v, right, index);
		return;
	}
	if ((strcmp(proto, "ip") == 0 && strcmp(field, "protocol") == 0) ||
	    (strcmp(proto, "ip6") == 0 && strcmp(field, "nexthdr") == 0))
		if (is_equal_op(op))
			narrow_protos(v, right);
}

static void apply(struct view *v, const struct cond *c)
{
	json_t *x;
	bool eq = is_equal_op(c->op);
	if ((x = json_object_get(c->left, "meta"))) {
		const char *key = str_of(x, "key");
		if (eq && (strcmp(key, "iif") == 0 || strcmp(key, "iifname") == 0)) {
			struct strlist names = { 0 };
			strings_of(c->right, &names);
			bool lo = names.n > 0;
			for (size_t i = 0; i < names.n; i++)
				lo = lo && strcmp(names.v[i], "lo") == 0;
			v->lo_only = v->lo_only || lo;
			strlist_free(&names);
		} else if (eq && strcmp(key, "l4proto") == 0) {
			narrow_protos(v, c->right);
		}
	} else if ((x = json_object_get(c->left, "ct"))) {
		if (strcmp(str_of(x, "key"), "state") != 0)
			return;
		struct strlist states = { 0 };
		strings_of(c->right, &states);
		/* untracked packets skip conntrack: as new as a packet can be */
		bool fresh = strlist_contains(&states, "new") || strlist_contains(&states, "untracked");
		if ((eq && !fresh) || (strcmp(c->op, "!=") == 0 && strlist_contains(&states, "new")))
			v->no_new = true;
		strlist_free(&states);
	} else if ((x = json_object_get(c->left, "payload"))) {
		apply_payload(v, x, c->op, c->right, -1);
	} else if ((x = json_object_get(c->left, "concat"))) {
		size_t i;
		json_t *part;
		json_array_foreach(x, i, part) {
			json_t *p = json_object_get(part, "payload");
			if (p)
				apply_payload(v, p, c->op, c->right, (int)i);
		}
	}
}

/* ---- walking the chains ---- */

struct walk {
	const struct fw_audit_rule *rule;
	const struct fw_facts *f;
	struct fw_findings *out;
};

/* "tcp ports 22, 8000-8080" for the ports in BITS that DECLARED does not have; "" if none. */
static void describe_ports(struct buf *b, const char *proto, const unsigned char *bits, bool all,
			   const unsigned char *declared)
{
	if (all) {
		buf_printf(b, "%severy %s port", b->len ? " and " : "", proto);
		return;
	}
	struct buf list = { 0 };
	size_t ranges = 0, ports = 0;
	for (long p = 0; p <= 65535; p++) {
		if (!get_bit(bits, p) || get_bit(declared, p))
			continue;
		long q = p;
		while (q < 65535 && get_bit(bits, q + 1) && !get_bit(declared, q + 1))
			q++;
		if (ranges < 8) {
			if (q > p)
				buf_printf(&list, "%s%ld-%ld", ranges ? ", " : "", p, q);
			else
				buf_printf(&list, "%s%ld", ranges ? ", " : "", p);
		} else if (ranges == 8) {
			buf_puts(&list, ", …");
		}
		ranges++;
		ports += (size_t)(q - p + 1);
		p = q;
	}
	if (ranges)
		buf_printf(b, "%s%s port%s %s", b->len ? " and " : "", proto, ports > 1 ? "s" : "", list.data);
	buf_free(&list);
}

static unsigned rule_line(const struct fw_facts *f, const struct view *v, const char *chain, size_t index,
			  size_t count)
{
	const struct fw_chain_lines *c = fw_lines_chain(f->lines, v->family, v->table, chain);
	if (c && c->ordered && c->n_rules == count && index < count)
		return c->rules[index];
	unsigned set_line = v->set ? fw_lines_set(f->lines, v->family, v->table, v->set) : 0;
	if (set_line)
		return set_line;
	return c ? c->line : 0;
}

/* Judges an accept verdict reached under CONDS. */
static void judge(struct walk *w, const char *fam, const char *table, const char *chain, size_t index,
		  size_t count, const struct cond *conds, size_t n)
{
	struct view *v = xcalloc(1, sizeof *v);
	*v = (struct view){ .f = w->f, .family = fam, .table = table, .protos = P_ANY, .all_ports = true };
	for (size_t i = 0; i < n; i++)
		apply(v, &conds[i]);
	unsigned open = v->protos & (P_TCP | P_UDP | P_OTHER);
	if (v->lo_only || v->no_new || !open) {
		free(v);
		return;
	}
	struct buf what = { 0 };
	if (v->protos == P_ANY && v->all_ports) {
		buf_puts(&what, "every port of every protocol");
	} else {
		if (open & P_TCP)
			describe_ports(&what, "tcp", v->ports, v->all_ports, w->f->declared->tcp);
		if (open & P_UDP)
			describe_ports(&what, "udp", v->ports, v->all_ports, w->f->declared->udp);
		if (open & P_OTHER)
			buf_printf(&what, "%sprotocol%s %s", what.len ? " and " : "", strchr(v->others, ',') ? "s" : "",
				   *v->others ? v->others : "other than tcp, udp and icmp");
	}
	if (what.len) {
		char *msg = xasprintf("chain %s %s %s, rule %zu, accepts new inbound connections to %s, which %s", fam,
				      table, chain, index + 1, what.data,
				      w->f->declared->manifests ? "no manifest given declares public"
								: "no manifest declares public (none given)");
		add_finding(w->out, w->rule, rule_line(w->f, v, chain, index, count), msg);
	}
	buf_free(&what);
	free(v);
}

static void walk_chain(struct walk *w, const char *fam, const char *table, const char *chain, const struct cond *inherited,
		       size_t n_inherited, unsigned depth);

/* Follows a verdict reached under CONDS: accept is judged, jump and goto are followed. */
static void follow(struct walk *w, json_t *verdict, const char *fam, const char *table, const char *chain,
		   size_t index, size_t count, const struct cond *conds, size_t n, unsigned depth)
{
	json_t *x;
	if (json_object_get(verdict, "accept"))
		judge(w, fam, table, chain, index, count, conds, n);
	else if ((x = json_object_get(verdict, "jump")) || (x = json_object_get(verdict, "goto")))
		walk_chain(w, fam, table, str_of(x, "target"), conds, n, depth + 1);
}

static void walk_rule(struct walk *w, json_t *rule, const char *fam, const char *table, const char *chain, size_t index,
		      size_t count, const struct cond *inherited, size_t n_inherited, unsigned depth)
{
	json_t *exprs = json_object_get(rule, "expr");
	size_t cap = n_inherited + json_array_size(exprs) + 1, n = n_inherited;
	struct cond *conds = xcalloc(cap, sizeof *conds);
	if (n_inherited)
		memcpy(conds, inherited, n_inherited * sizeof *conds);
	size_t i;
	json_t *e, *x;
	json_array_foreach(exprs, i, e) {
		if ((x = json_object_get(e, "match"))) {
			conds[n++] = (struct cond){ str_of(x, "op"), json_object_get(x, "left"), json_object_get(x, "right") };
		} else if (json_object_get(e, "accept") || json_object_get(e, "jump") || json_object_get(e, "goto")) {
			follow(w, e, fam, table, chain, index, count, conds, n, depth);
			break;
		} else if ((x = json_object_get(e, "vmap"))) {
			json_t *data = json_object_get(x, "data"), *entries = json_object_get(data, "set");
			if (json_is_string(data) && json_string_value(data)[0] == '@') {
				json_t *map = find_set(w->f, fam, table, json_string_value(data) + 1);
				entries = json_object_get(map, "elem");
			}
			size_t k;
			json_t *pair;
			json_array_foreach(entries, k, pair) {
				conds[n] = (struct cond){ "==", json_object_get(x, "key"), json_array_get(pair, 0) };
				follow(w, json_array_get(pair, 1), fam, table, chain, index, count, conds, n + 1, depth);
			}
			break;
		} else if (json_object_get(e, "drop") || json_object_get(e, "reject") || json_object_get(e, "return")) {
			break;
		}
	}
	free(conds);
}

static void walk_chain(struct walk *w, const char *fam, const char *table, const char *chain, const struct cond *inherited,
		       size_t n_inherited, unsigned depth)
{
	if (depth > 16) /* the kernel refuses deeper jumps, and a loop ends here */
		return;
	size_t count = 0, i;
	json_t *e, *r;
	json_array_foreach(w->f->ruleset, i, e)
		if ((r = entry(e, "rule")) && same_place(r, fam, table) && strcmp(str_of(r, "chain"), chain) == 0)
			count++;
	size_t index = 0;
	json_array_foreach(w->f->ruleset, i, e) {
		if (!(r = entry(e, "rule")) || !same_place(r, fam, table) || strcmp(str_of(r, "chain"), chain) != 0)
			continue;
		walk_rule(w, r, fam, table, chain, index++, count, inherited, n_inherited, depth);
	}
}

/* Base chains on the input hook of a family that sees the host's IP traffic. */
static bool is_input_hook(json_t *chain)
{
	const char *fam = str_of(chain, "family");
	return strcmp(str_of(chain, "hook"), "input") == 0 &&
	       (strcmp(fam, "inet") == 0 || strcmp(fam, "ip") == 0 || strcmp(fam, "ip6") == 0);
}

/* ---- the rules ---- */

static void check_flush(const struct fw_audit_rule *self, const struct fw_facts *f, struct fw_findings *out)
{
	struct strlist gone = { 0 };
	for (size_t i = 0; i < f->sentinels.n; i++)
		if (!has_table(f, f->sentinels.v[i], NFTNS_SENTINEL))
			strlist_push(&gone, f->sentinels.v[i]);
	unsigned line = f->lines ? f->lines->flush_line : 0;
	if (gone.n && gone.n == f->sentinels.n) {
		add_finding(out, self, line,
			    xstrdup("the file flushes the whole ruleset (flush ruleset): loading it throws away every "
				    "table, the host's default-deny firewall included"));
	} else if (gone.n) {
		struct buf fams = { 0 };
		for (size_t i = 0; i < gone.n; i++)
			buf_printf(&fams, "%s%s", i ? ", " : "", gone.v[i]);
		add_finding(out, self, line,
			    xasprintf("the file flushes every table of family %s (flush ruleset FAMILY), the host "
				      "firewall's among them",
				      fams.data));
		buf_free(&fams);
	} else if (f->base && !has_table(f, FW_FAMILY, FW_TABLE)) {
		add_finding(out, self, f->lines ? f->lines->delete_base_line : 0,
			    xstrdup("the file deletes the table " FW_FAMILY " " FW_TABLE ": the host is left without its "
				    "default-deny ruleset"));
	}
	strlist_free(&gone);
}

static void check_input_policy(const struct fw_audit_rule *self, const struct fw_facts *f, struct fw_findings *out)
{
	size_t i;
	json_t *e, *c;
	json_array_foreach(f->ruleset, i, e) {
		if (!(c = entry(e, "chain")) || !is_input_hook(c) || strcmp(str_of(c, "policy"), "accept") != 0)
			continue;
		const struct fw_chain_lines *cl =
			fw_lines_chain(f->lines, str_of(c, "family"), str_of(c, "table"), str_of(c, "name"));
		add_finding(out, self, cl ? (cl->policy_line ? cl->policy_line : cl->line) : 0,
			    xasprintf("chain %s %s %s hooks input with policy accept: every inbound packet that no "
				      "rule drops is accepted",
				      str_of(c, "family"), str_of(c, "table"), str_of(c, "name")));
	}
}

static void check_open_ports(const struct fw_audit_rule *self, const struct fw_facts *f, struct fw_findings *out)
{
	struct walk w = { self, f, out };
	size_t i;
	json_t *e, *c;
	json_array_foreach(f->ruleset, i, e)
		if ((c = entry(e, "chain")) && is_input_hook(c))
			walk_chain(&w, str_of(c, "family"), str_of(c, "table"), str_of(c, "name"), NULL, 0, 0);
}

const struct fw_audit_rule fw_audit_rules[] = {
	{ "firewall-disabled", DIAG_ERROR, "the ruleset removes the host firewall (flush ruleset, deleting its table)",
	  check_flush },
	{ "firewall-open", DIAG_ERROR, "a base chain on the input hook accepts by default (policy accept)",
	  check_input_policy },
	{ "firewall-open", DIAG_ERROR, "a rule accepts new inbound connections to ports no manifest declares public",
	  check_open_ports },
	{ NULL, 0, NULL, NULL },
};

void fw_audit(const struct fw_facts *f, struct fw_findings *out)
{
	for (const struct fw_audit_rule *r = fw_audit_rules; r->id; r++)
		r->check(r, f, out);
}
