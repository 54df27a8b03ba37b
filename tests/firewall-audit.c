/* Tests of the firewall's judging parts without the kernel: the audit rules on hand-written
 * JSON listings (facts first, judgement second), the line locator, the maintainer-script
 * check, the reading of nft's error messages, and the rendering of a manifest's snippet. */
#include "../firewall/audit.h"
#include "../firewall/lines.h"
#include "../firewall/nftns.h"
#include "../firewall/ruleset.h"
#include "tap.h"

/* JSON is written with ' for " to stay readable here. */
static char *dq(const char *s)
{
	char *t = xstrdup(s);
	for (char *p = t; *p; p++)
		if (*p == '\'')
			*p = '"';
	return t;
}

/* A listing: metainfo, a table inet t, the given entries. */
static char *listing(const char *entries)
{
	char *body = xasprintf("{'nftables': [{'metainfo': {'json_schema_version': 1}}, "
			       "{'table': {'family': 'inet', 'name': 't', 'handle': 1}}%s%s]}",
			       *entries ? ", " : "", entries);
	char *json = dq(body);
	free(body);
	return json;
}

#define INPUT_CHAIN(policy)                                                                          \
	"{'chain': {'family': 'inet', 'table': 't', 'name': 'input', 'handle': 1, 'type': 'filter', " \
	"'hook': 'input', 'prio': 0, 'policy': '" policy "'}}"
#define RULE(chain, exprs) \
	", {'rule': {'family': 'inet', 'table': 't', 'chain': '" chain "', 'handle': 9, 'expr': [" exprs "]}}"
#define ACCEPT "{'accept': null}"
#define DPORT(proto, right) \
	"{'match': {'op': '==', 'left': {'payload': {'protocol': '" proto "', 'field': 'dport'}}, 'right': " right "}}, "

/* Runs every rule over ENTRIES with DECLARED; returns the findings as "RULE@LINE: message"
 * lines, or "" for none. */
static char *audit(const char *entries, const struct fw_declared *declared, const char *sentinels, bool base,
		   const char *text)
{
	struct diag d;
	diag_init(&d);
	char *json = listing(entries);
	struct fw_facts f = { .file = "t.nft", .declared = declared, .base = base };
	if (!fw_facts_parse(&f, json, &d)) {
		diag_flush(&d, stdout);
		free(json);
		return xstrdup("(unparsable)");
	}
	char *copy = xstrdup(sentinels), *save = NULL;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		strlist_push(&f.sentinels, w);
	free(copy);
	struct fw_lines *lines = text ? fw_lines_parse(text) : NULL;
	f.lines = lines;
	struct fw_findings out = { 0 };
	fw_audit(&f, &out);
	struct buf b = { 0 };
	buf_puts(&b, "");
	for (size_t i = 0; i < out.n; i++)
		buf_printf(&b, "%s%s@%u: %s", i ? "\n" : "", out.v[i].rule, out.v[i].line, out.v[i].message);
	fw_findings_free(&out);
	fw_lines_free(lines);
	fw_facts_free(&f);
	diag_free(&d);
	free(json);
	return b.data;
}

static void declare(struct fw_declared *dp, enum proto proto, int port)
{
	struct listener l = { proto, port, NULL, SCOPE_PUBLIC, (char *)"a test", 1 };
	struct manifest m = { 0 };
	m.name = (char *)"test";
	m.listen = &l;
	m.n_listen = 1;
	fw_declared_add(dp, &m);
}

static void test_audit(void)
{
	struct fw_declared none = { 0 }, ssh = { 0 };
	declare(&ssh, PROTO_TCP, 22);
	char *got;

	got = audit(INPUT_CHAIN("accept"), &none, "", false, NULL);
	is_str(got, "firewall-open@0: chain inet t input hooks input with policy accept: every inbound packet that no "
		    "rule drops is accepted",
	       "an input chain with policy accept is open");
	free(got);

	got = audit("{'chain': {'family': 'inet', 'table': 't', 'name': 'fwd', 'type': 'filter', 'hook': 'forward', "
		    "'prio': 0, 'policy': 'accept'}}",
		    &none, "", false, NULL);
	is_str(got, "", "a forward chain with policy accept is not an input finding");
	free(got);

	const char *safe = INPUT_CHAIN("drop")
		RULE("input", "{'match': {'op': '==', 'left': {'meta': {'key': 'iif'}}, 'right': 'lo'}}, " ACCEPT)
		RULE("input", "{'match': {'op': 'in', 'left': {'ct': {'key': 'state'}}, 'right': ['established', "
			      "'related']}}, " ACCEPT)
		RULE("input", "{'match': {'op': '==', 'left': {'payload': {'protocol': 'icmpv6', 'field': 'type'}}, "
			      "'right': 'nd-neighbor-solicit'}}, " ACCEPT)
		RULE("input", "{'match': {'op': '!=', 'left': {'ct': {'key': 'state'}}, 'right': 'new'}}, " ACCEPT)
		RULE("input", DPORT("tcp", "22") "{'drop': null}");
	got = audit(safe, &none, "", false, NULL);
	is_str(got, "", "loopback, established/related, ICMP, 'ct state != new' and drops open nothing");
	free(got);

	const char *ssh_rule = INPUT_CHAIN("drop") RULE("input", DPORT("tcp", "22") ACCEPT);
	got = audit(ssh_rule, &none, "", false, NULL);
	is_str(got, "firewall-open@0: chain inet t input, rule 1, accepts new inbound connections to tcp port 22, which "
		    "no manifest declares public (none given)",
	       "tcp dport 22 accept without a manifest is open");
	free(got);
	got = audit(ssh_rule, &ssh, "", false, NULL);
	is_str(got, "", "... and passes when a manifest declares tcp 22 public");
	free(got);
	got = audit(INPUT_CHAIN("drop") RULE("input", DPORT("udp", "22") ACCEPT), &ssh, "", false, NULL);
	ok(strstr(got, "udp port 22") != NULL, "a declared tcp port does not declare the udp port");
	free(got);

	got = audit(INPUT_CHAIN("drop") RULE("input", DPORT("tcp", "{'set': [22, {'range': [1000, 1002]}, 'http']}") ACCEPT),
		    &ssh, "", false, NULL);
	ok(strstr(got, "to tcp ports 80, 1000-1002,") != NULL, "sets, ranges and service names; declared ports left out (%s)",
	   got);
	free(got);

	got = audit("{'set': {'family': 'inet', 'table': 't', 'name': 'pub', 'type': 'inet_service', 'elem': "
		    "[{'elem': {'val': 443, 'comment': 'web'}}, 8443]}}, " INPUT_CHAIN("drop")
			    RULE("input", DPORT("tcp", "'@pub'") ACCEPT),
		    &none, "", false, NULL);
	ok(strstr(got, "tcp ports 443, 8443,") != NULL, "a named set's elements, with comments, are read (%s)", got);
	free(got);

	got = audit(INPUT_CHAIN("drop") RULE("input", "{'vmap': {'key': {'ct': {'key': 'state'}}, 'data': {'set': "
						      "[['established', " ACCEPT "], ['new', " ACCEPT "]]}}}"),
		    &none, "", false, NULL);
	ok(strstr(got, "every port of every protocol") != NULL, "a ct state verdict map accepting new opens everything");
	free(got);

	got = audit(INPUT_CHAIN("drop") RULE("input", "{'match': {'op': '==', 'left': {'concat': [{'payload': {'protocol': "
						      "'ip', 'field': 'saddr'}}, {'payload': {'protocol': 'tcp', 'field': "
						      "'dport'}}]}, 'right': {'set': [{'concat': ['10.0.0.1', 25]}]}}}, " ACCEPT),
		    &none, "", false, NULL);
	ok(strstr(got, "tcp port 25,") != NULL, "the port of a concatenation is read (%s)", got);
	free(got);

	/* a loop of jumps ends, and the accept in the jumped-to chain keeps the jump's match */
	got = audit(INPUT_CHAIN("drop")
			    RULE("input", DPORT("tcp", "5") "{'jump': {'target': 'a'}}")
			    RULE("input", "{'match': {'op': '==', 'left': {'meta': {'key': 'iifname'}}, 'right': 'lo'}}, "
					  "{'jump': {'target': 'b'}}")
			    RULE("a", "{'jump': {'target': 'a'}}")
			    RULE("a", ACCEPT)
			    RULE("b", ACCEPT),
		    &none, "", false, NULL);
	is_str(got, "firewall-open@0: chain inet t a, rule 2, accepts new inbound connections to tcp port 5, which no "
		    "manifest declares public (none given)",
	       "jumps carry their matches; a jump loop ends; loopback-only jumps open nothing");
	free(got);

	got = audit("", &none, "ip inet", false, NULL);
	ok(strstr(got, "firewall-disabled@0: the file flushes the whole ruleset") == got, "every sentinel gone: flush ruleset");
	free(got);
	got = audit("{'table': {'family': 'ip', 'name': '" NFTNS_SENTINEL "'}}", &none, "ip inet", false, NULL);
	ok(strstr(got, "every table of family inet") != NULL, "one family's sentinel gone: flush ruleset inet (%s)", got);
	free(got);
	got = audit("{'table': {'family': 'ip', 'name': '" NFTNS_SENTINEL "'}}, {'table': {'family': 'inet', 'name': '" NFTNS_SENTINEL
		    "'}}",
		    &none, "ip inet", true, "table inet hardenkit\ndelete table inet hardenkit\n");
	is_str(got, "firewall-disabled@2: the file deletes the table inet hardenkit: the host is left without its "
		    "default-deny ruleset",
	       "deleting the hardenkit table disables the firewall, at the delete's line");
	free(got);

	const char *text = "table inet t {\n"
			   "\tchain input {\n"
			   "\t\ttype filter hook input priority 0; policy accept;\n"
			   "\t\ttcp dport 22 accept\n"
			   "\t}\n"
			   "}\n";
	got = audit(INPUT_CHAIN("accept") RULE("input", DPORT("tcp", "22") ACCEPT), &none, "", false, text);
	ok(strstr(got, "firewall-open@3: chain inet t input hooks") == got && strstr(got, "\nfirewall-open@4: chain inet t input, rule 1"),
	   "findings point at the policy's and the rule's lines");
	free(got);
}

static void test_lines(void)
{
	const char *text = "#!/usr/sbin/nft -f\n"
			   "flush ruleset # comment { with braces\n"
			   "table inet f {\n"
			   "\tset s {\n"
			   "\t\ttype inet_service\n"
			   "\t\telements = {\n"
			   "\t\t\t22, 80\n"
			   "\t\t}\n"
			   "\t}\n"
			   "\tchain c {\n"
			   "\t\ttype filter hook input priority 0; policy drop;\n"
			   "\t\ttcp dport { 22,\n"
			   "\t\t\t80 } accept; udp dport 53 accept\n"
			   "\t\tcomment \"a } brace in a string\"\n"
			   "\t}\n"
			   "}\n"
			   "add rule inet f c tcp dport 443 accept\n"
			   "add element inet f s { 443 }\n"
			   "table t { chain x { tcp dport 1 accept; } }\n";
	struct fw_lines *l = fw_lines_parse(text);
	is_int(l->flush_line, 2, "flush ruleset's line");
	const struct fw_chain_lines *c = fw_lines_chain(l, "inet", "f", "c");
	ok(c != NULL, "chain inet f c is found");
	if (c) {
		is_int(c->line, 10, "its line");
		is_int(c->policy_line, 11, "its policy's line");
		is_int(c->n_rules, 3, "three rules: two on lines 12-13, one added later");
		if (c->n_rules == 3) {
			is_int(c->rules[0], 12, "a rule spanning lines starts where it starts");
			is_int(c->rules[1], 13, "a second rule after ';' on the same line");
			is_int(c->rules[2], 17, "add rule appends");
		}
	}
	is_int(fw_lines_set(l, "inet", "f", "s"), 6, "the set's elements line");
	c = fw_lines_chain(l, "ip", "t", "x");
	ok(c && c->line == 19 && c->n_rules == 1, "a table without family is ip, blocks on one line");
	fw_lines_free(l);
}

static char *script(const char *text)
{
	struct fw_findings out = { 0 };
	fw_audit_script(text, &out);
	struct buf b = { 0 };
	buf_puts(&b, "");
	for (size_t i = 0; i < out.n; i++)
		buf_printf(&b, "%s%s@%u: %s", i ? "\n" : "", out.v[i].rule, out.v[i].line, out.v[i].message);
	fw_findings_free(&out);
	return b.data;
}

static void test_script(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "#!/bin/sh\nset -e\nsystemctl stop nftables\n",
		  "firewall-disabled@3: the script stops, disables or masks nftables.service (systemctl)" },
		{ "if [ -x /bin/systemctl ]; then /bin/systemctl --quiet mask nftables.service || true; fi\n",
		  "firewall-disabled@1: the script stops, disables or masks nftables.service (systemctl)" },
		{ "\n\ndeb-systemd-invoke stop 'nftables.service' >/dev/null\n",
		  "firewall-disabled@3: the script stops nftables.service (deb-systemd-invoke)" },
		{ "FOO=1 nft \\\n  flush ruleset\n",
		  "firewall-disabled@1: the script flushes the whole ruleset, the host firewall included (nft)" },
		{ "invoke-rc.d nftables stop\n", "firewall-disabled@1: the script stops nftables.service (invoke-rc.d)" },
		{ "echo \"systemctl stop nftables\"\n# systemctl stop nftables\n", "" },
		{ "systemctl restart nftables\nsystemctl stop nginx\nnft list ruleset\n", "" },
		{ "echo 'a\nb'; systemctl disable nftables\n",
		  "firewall-disabled@2: the script stops, disables or masks nftables.service (systemctl)" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *got = script(cases[i].text);
		is_str(got, cases[i].want, "script case %zu", i + 1);
		free(got);
	}
}

static void test_errors(void)
{
	const char *errors = "In file included from /tmp/stage/etc/nftables.conf:94:1-37:\n"
			     "/tmp/stage/etc/nftables.d/hardenkit/b.nft:2:12-15: Error: syntax error, unexpected inet\n"
			     "add elemnt inet hardenkit public_tcp { 80 }\n"
			     "           ^^^^\n"
			     "/tmp/stage/etc/x.nft:3:8-14: Error: Could not process rule: No such file or directory\n"
			     "\tjump nowhere\n"
			     "\t     ^^^^^^^\n"
			     "/tmp/stage/etc/y.nft:1:1-3: Error: No such file or directory\n"
			     "add set inet t s\n"
			     "               ^\n"
			     "netlink: Error: cache initialization failed: Operation not permitted\n";
	const struct nftns_rename map[] = { { "/tmp/stage/", "out/" } };
	struct diag d;
	diag_init(&d);
	struct strlist seen = { 0 };
	is_int(nftns_errors(errors, map, 1, "fallback", &seen, &d), 4, "four messages are read");
	is_int(d.n, 4, "four diagnostics");
	if (d.n == 4) {
		is_str(d.msgs[0].file, "out/etc/nftables.d/hardenkit/b.nft", "the staged path is shown as the output's");
		is_int(d.msgs[0].line, 2, "with the line");
		is_str(d.msgs[0].text, "syntax error, unexpected inet", "marked text already in the message is not repeated");
		is_str(d.msgs[1].text, "Could not process rule: No such file or directory (jump nowhere: no such chain)",
		       "a jump's missing chain is named (tabs under tabs)");
		is_str(d.msgs[2].text, "No such file or directory (at 's')", "other marked text is quoted");
		is_str(d.msgs[3].file, "fallback", "a message without location names the fallback");
		is_int(d.msgs[3].line, 0, "and no line");
	}
	size_t before = d.n;
	nftns_errors(errors, map, 1, "fallback", &seen, &d);
	is_int(d.n, before, "the same messages again are not added twice");
	strlist_free(&seen);
	diag_free(&d);
}

static void test_snippet(void)
{
	struct fw_templates t = { 0 };
	t.snippet = (char *)"# @NAME@\n@ELEMENTS@\n";
	char reason[400];
	memset(reason, 'x', sizeof reason - 1);
	reason[sizeof reason - 1] = '\0';
	memcpy(reason, "a \"quoted\"\nreason ", 18);
	struct listener l[] = {
		{ PROTO_TCP, 25, NULL, SCOPE_PUBLIC, reason, 1 },
		{ PROTO_TCP, 587, NULL, SCOPE_LOOPBACK, NULL, 2 },
		{ PROTO_UDP, 53, NULL, SCOPE_PUBLIC, (char *)"DNS", 3 },
	};
	struct manifest m = { 0 };
	m.name = (char *)"mail";
	m.listen = l;
	m.n_listen = 3;
	ok(fw_has_public(&m), "a manifest with a public listener gets a snippet");
	struct buf b = { 0 };
	fw_render_snippet(&b, &t, &m);
	ok(strstr(b.data, "add element inet hardenkit public_udp { 53 comment \"mail: DNS\" }\n") != NULL,
	   "udp goes into public_udp with the package and reason as the element's comment");
	ok(!strstr(b.data, "587"), "a loopback port is not in the snippet");
	const char *c = strstr(b.data, "comment \"mail: a 'quoted' reason ");
	ok(c != NULL, "quotes and newlines cannot break out of the comment");
	if (c) {
		const char *open = strchr(c, '"') + 1, *close = strchr(open, '"');
		ok(close && close - open <= 128 && strncmp(close - 3, "...", 3) == 0,
		   "a long reason is cut to nft's 128 bytes, marked with ...");
	}
	ok(strstr(b.data, "# tcp 25: a 'quoted' reason xxx") != NULL, "the whole reason is a comment line");
	buf_free(&b);
	l[0].scope = SCOPE_LOOPBACK;
	l[2].scope = SCOPE_LOOPBACK;
	ok(!fw_has_public(&m), "a manifest without public listeners gets none");
}

int main(void)
{
	test_audit();
	test_lines();
	test_script();
	test_errors();
	test_snippet();
	return done_testing();
}
