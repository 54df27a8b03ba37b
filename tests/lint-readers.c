/* Tests of the linter's readers without any archive: the listen-address classifier, the
 * dialect config reader on each syntax, the profile outline, the shell command scan, the ucf
 * installs of maintainer scripts, and the ELF reader fed in small pieces, as the archive
 * walker feeds it. */
#include "../core/dialect.h"
#include "../lint/aaprofile.h"
#include "../lint/confread.h"
#include "../lint/elf.h"
#include "../lint/installs.h"
#include "../lint/lintdata.h"
#include "../lint/listen.h"
#include "tap.h"

#include <stdlib.h>

static const struct {
	const char *token;
	enum addr_class want;
} tokens[] = {
	{ "127.0.0.1", ADDR_LOCAL },	  { "127.0.0.1:6379", ADDR_LOCAL }, { "[::1]:22", ADDR_LOCAL },
	{ "::1", ADDR_LOCAL },		  { "-::1", ADDR_LOCAL },	    { "localhost:631", ADDR_LOCAL },
	{ "/run/redis.sock", ADDR_LOCAL }, { "unix:/run/x.sock", ADDR_LOCAL }, { "ldapi:///", ADDR_LOCAL },
	{ "%t/mpd/socket", ADDR_LOCAL },
	{ "inet:8891@localhost", ADDR_LOCAL }, { "127.0.0.1@53", ADDR_LOCAL }, { "::ffff:127.0.0.1", ADDR_LOCAL },
	{ "0.0.0.0", ADDR_PUBLIC },	  { "::", ADDR_PUBLIC },	    { "[::]:80", ADDR_PUBLIC },
	{ "*", ADDR_PUBLIC },		  { "*:80", ADDR_PUBLIC },	    { ":80", ADDR_PUBLIC },
	{ "any", ADDR_PUBLIC },		  { "-::*", ADDR_PUBLIC },	    { "eth0", ADDR_PUBLIC },
	{ "enp3s0", ADDR_PUBLIC },	  { "192.0.2.7", ADDR_PUBLIC },	    { "10.0.0.0/8", ADDR_PUBLIC },
	{ "ldap:///", ADDR_PUBLIC },	  { "inet:8891", ADDR_PUBLIC },	    { "udp6:[::]:161", ADDR_PUBLIC },
	{ "mail.example.org", ADDR_PUBLIC }, { "80", ADDR_PORT },	    { "yes", ADDR_NONE },
	{ "default_server", ADDR_NONE },
};

static struct dialect *load(const char *name)
{
	struct diag d;
	diag_init(&d);
	char *file = xasprintf("%s/dialects/%s.conf", getenv("HARDENKIT_DATADIR") ? getenv("HARDENKIT_DATADIR") : "templates", name);
	struct dialect *dl = dialect_load(file, &d);
	free(file);
	diag_flush(&d, stdout);
	diag_free(&d);
	return dl;
}

static const struct conf_directive *find(const struct conf_doc *doc, const char *key)
{
	for (size_t i = 0; i < doc->n; i++)
		if (strcmp(doc->v[i].key, key) == 0)
			return &doc->v[i];
	return NULL;
}

/* reads TEXT as DIALECT and checks KEY's value and line */
static void read_as(const char *dialect, const char *text, const char *key, const char *value, unsigned line)
{
	struct dialect *dl = load(dialect);
	if (!ok(dl != NULL, "dialect %s loads", dialect))
		return;
	struct conf_doc doc = { 0 };
	conf_read(dl, text, &doc);
	const struct conf_directive *c = find(&doc, key);
	is_str(c ? c->value : NULL, value, "%s: %s's value", dialect, key);
	is_int(c ? c->line : 0, line, "%s: %s's line", dialect, key);
	conf_doc_free(&doc);
	dialect_free(dl);
}

static unsigned hits, hit_line;
static void found(void *ctx, unsigned line, const struct lint_command *c, const char *text)
{
	(void)ctx, (void)c, (void)text;
	hits++;
	hit_line = line;
}

/* Maintainer scripts as Debian 12 writes them (chrony, dovecot-core, unattended-upgrades,
 * openssh-server, clamav-daemon), cut down to their ucf calls. */
static void installs_tests(void)
{
	struct installs in = { 0 };
	installs_scan(&in, "DEBIAN/postinst",
		      "#!/bin/sh\nset -e\nif [ \"$1\" = configure ]; then\n"
		      "    ucf --three-way /usr/share/chrony/chrony.conf /etc/chrony/chrony.conf\nfi\n");
	is_int(in.n, 1, "ucf: a call with literal paths");
	if (in.n == 1) {
		is_str(in.v[0].src, "usr/share/chrony/chrony.conf", "ucf: source, relative");
		is_str(in.v[0].dest, "etc/chrony/chrony.conf", "ucf: destination, relative");
		is_int(in.v[0].line, 4, "ucf: the line of the call");
	}
	installs_free(&in);

	installs_scan(&in, "DEBIAN/postinst",
		      "CONFFILES=\"dovecot.conf \\\n    conf.d/10-auth.conf \\\n    conf.d/10-master.conf\"\n"
		      "for conffile in $CONFFILES ; do\n"
		      "    ucf --three-way \"/usr/share/dovecot/$conffile\" \"/etc/dovecot/$conffile\"\n"
		      "    ucf --purge \"/etc/dovecot/$conffile\"\ndone\n");
	is_int(in.n, 3, "ucf in a for loop over a list continued with backslashes: one install per word");
	if (in.n == 3) {
		is_str(in.v[1].src, "usr/share/dovecot/conf.d/10-auth.conf", "ucf in a loop: the word in the source");
		is_str(in.v[1].dest, "etc/dovecot/conf.d/10-auth.conf", "ucf in a loop: the same word in the destination");
		is_int(in.v[2].line, 5, "ucf in a loop: the line of the call (after a continued list)");
	}
	installs_free(&in);

	installs_scan(&in, "DEBIAN/postinst",
		      "CONFIG=\"/etc/apt/apt.conf.d/20auto-upgrades\"\nif [ \"${RET}\" = true ]; then\n"
		      "    NEWFILE=\"/usr/share/unattended-upgrades/20auto-upgrades\"\n"
		      "    ucf --three-way --debconf-ok \"$NEWFILE\" \"${CONFIG}\"\nfi\n");
	is_int(in.n, 1, "ucf: variables set earlier, $NAME and ${NAME}");
	if (in.n == 1)
		is_str(in.v[0].src, "usr/share/unattended-upgrades/20auto-upgrades", "ucf: the variable's value");
	installs_free(&in);

	installs_scan(&in, "DEBIAN/postinst",
		      "new_config=\"$(mktemp)\"\ncp -a /usr/share/openssh/sshd_config \"$new_config\"\n"
		      "ucf --three-way --debconf-ok \\\n\t--sum-file /usr/share/openssh/sshd_config.md5sum \\\n"
		      "\t\"$new_config\" /etc/ssh/sshd_config\n"
		      "ucf_file() { ucf --three-way \"$1\" \"$2\"; }\n"
		      "ucf --three-way /etc/privoxy/config.ucftmp /etc/privoxy/config\n"
		      "for a in x y; do for b in x y; do ucf /usr/share/p/$a /etc/p/$b; done; done\n");
	is_int(in.n, 0, "ucf: a mktemp file, a function's arguments, a file made in /etc, two loops: none followed");
	installs_free(&in);

	installs_scan(&in, "DEBIAN/postinst",
		      "if [ ! -e /etc/memcached.conf ]; then\n"
		      "    cp /usr/share/memcached/memcached.conf.default /etc/memcached.conf\nfi\n"
		      "install -m 0644 -o rabbitmq -g rabbitmq /usr/share/rabbitmq/rabbitmq-env.conf /etc/rabbitmq/rabbitmq-env.conf\n"
		      "cp -r /usr/share/x /etc/x\ninstall -d /etc/y\ncp /usr/share/a /usr/share/b /etc/dir/\n"
		      "cp /usr/share/c /etc/dir/\n");
	is_int(in.n, 2, "cp and install with a source and a destination file; -r, -d, several sources, a directory: not followed");
	if (in.n == 2) {
		is_str(in.v[0].dest, "etc/memcached.conf", "cp: the destination");
		is_int(in.v[0].line, 2, "cp: its line");
		is_str(in.v[1].src, "usr/share/rabbitmq/rabbitmq-env.conf", "install: -m, -o, -g take their argument");
	}
	installs_free(&in);

	/* a hostile script: a value doubled 40 times (a terabyte if followed), 300 variables */
	struct buf hostile = { 0 };
	buf_puts(&hostile, "A=/usr/share/p/xxxxxxxx\n");
	for (int i = 0; i < 40; i++)
		buf_puts(&hostile, "A=$A$A\n");
	for (int i = 0; i < 300; i++)
		buf_printf(&hostile, "V%d=/usr/share/p/v%d\n", i, i);
	buf_puts(&hostile, "ucf \"$A\" /etc/p/a\nucf \"$V1\" /etc/p/v1\nucf \"$V299\" /etc/p/v299\n");
	installs_scan(&in, "DEBIAN/postinst", hostile.data);
	is_int(in.n, 1, "ucf: a doubled value past a path's length and a variable past the 256th are not followed");
	if (in.n == 1)
		is_str(in.v[0].dest, "etc/p/v1", "ucf: an early variable still is");
	installs_free(&in);
	buf_free(&hostile);
}

int main(void)
{
	for (size_t i = 0; i < sizeof tokens / sizeof *tokens; i++)
		is_int(listen_token(tokens[i].token), tokens[i].want, "listen_token(%s)", tokens[i].token);
	is_int(listen_classify("80 default_server", true, NULL, 0), ADDR_PUBLIC, "a bare port binds everything");
	is_int(listen_classify("80", false, NULL, 0), ADDR_PORT, "... unless ports are not addresses there");
	is_int(listen_classify("port 53 127.0.0.1", true, NULL, 0), ADDR_LOCAL, "named's 'port 53' is skipped");
	is_int(listen_classify("127.0.0.1 0.0.0.0", true, NULL, 0), ADDR_PUBLIC, "the worst address wins");

	read_as("redis", "# bind 0.0.0.0\nport 6379\nbind 127.0.0.1 -::1\n", "bind", "127.0.0.1 -::1", 3);
	read_as("postgresql", "listen_addresses = '*'\t\t# what IP address(es)\n", "listen_addresses", "*", 1);
	read_as("nginx", "http {\n  server {\n    listen 80\n      default_server;\n  }\n}\n", "listen", "80 default_server", 3);
	read_as("named", "options {\n\tlisten-on port 53 { 127.0.0.1; ::1; };\n};\n", "listen-on", "port 53 127.0.0.1 ::1", 2);
	read_as("dovecot", "protocols = imap\nlisten = *, ::\n", "listen", "*, ::", 2);
	read_as("mysql", "[mysqld]\nbind-address\t\t= 0.0.0.0\n", "bind-address", "0.0.0.0", 2);
	read_as("unbound", "server:\n\tinterface: 127.0.0.1@53\n", "interface", "127.0.0.1@53", 2);
	read_as("memcached", "-m 64\n-l 127.0.0.1\n--listen=::1\n", "--listen", "::1", 3);
	read_as("default", "export DAEMON_OPTS=\"-l 0.0.0.0\"\n", "DAEMON_OPTS", "-l 0.0.0.0", 1);
	read_as("apache", "<IfModule ssl_module>\n\tListen 443\n</IfModule>\n", "Listen", "443", 2);
	/* apt's scopes: the nested spelling names the same setting as the flat one */
	read_as("apt", "// periodic\nAPT {\n  Periodic {\n    Unattended-Upgrade \"1\";\n  };\n};\n",
		"APT::Periodic::Unattended-Upgrade", "1", 4);
	read_as("apt", "APT::Periodic {\n  Update-Package-Lists \"1\";\n};\n", "APT::Periodic::Update-Package-Lists", "1", 2);
	read_as("apt", "APT::Periodic::Enable \"1\";\n", "APT::Periodic::Enable", "1", 1);
	/* xml (libxml2): a leaf element is a setting; a commented-out one is not; entities stay unexpanded */
	read_as("icecast",
		"<icecast>\n  <authentication>\n    <admin-password>hackme</admin-password>\n  </authentication>\n"
		"  <listen-socket>\n    <port>8000</port>\n    <!-- <bind-address>127.0.0.1</bind-address> -->\n"
		"  </listen-socket>\n</icecast>\n",
		"admin-password", "hackme", 3);
	read_as("icecast", "<icecast>\n<listen-socket>\n<port> 8000 </port>\n</listen-socket>\n</icecast>\n", "port", "8000", 3);
	read_as("icecast", "<icecast><listen-socket><!-- <bind-address>127.0.0.1</bind-address> --></listen-socket></icecast>",
		"bind-address", NULL, 0);
	read_as("icecast",
		"<?xml version=\"1.0\"?>\n<!DOCTYPE icecast [<!ENTITY leak SYSTEM \"file:///etc/hostname\">]>\n"
		"<icecast><hostname>&leak;</hostname></icecast>\n",
		"hostname", "", 3);
	read_as("icecast", "<icecast><port>8000</icecast>", "port", NULL, 0);
	read_as("tomcat", "<Server port=\"-1\">\n  <Service>\n    <Connector port=\"8080\"\n      address=\"127.0.0.1\"/>\n  </Service>\n</Server>\n",
		"address", "127.0.0.1", 4); /* libxml2 numbers an element by where its start tag ends */
	read_as("tomcat", "<!DOCTYPE Server [<!ENTITY lo \"127.0.0.1\">]>\n<Server><Connector address=\"&lo;\"/></Server>\n",
		"address", "&lo;", 2);

	struct aa_profiles ps = { 0 };
	aa_parse("include <tunables/global>\n/usr/sbin/x flags=(complain,attach_disconnected) {\n  # c\n"
		 "  /etc/x r,\n  ^hat {\n  }\n  profile child /usr/bin/y {\n    /etc/y r,\n  }\n}\n",
		 &ps);
	is_int(ps.n, 3, "profile outline: the profile, its hat, its child");
	if (ps.n == 3) {
		is_str(ps.v[0].attach, "/usr/sbin/x", "attachment");
		ok(aa_has_flag(&ps.v[0], "complain") && aa_has_flag(&ps.v[0], "attach_disconnected"), "flags");
		is_int(ps.v[0].rules, 1, "one rule in the body (comments and children excluded)");
		is_int(ps.v[1].rules, 0, "the hat is empty");
		is_str(ps.v[2].name, "child", "child profile name");
		is_int(ps.v[2].depth, 1, "child depth");
		is_int(ps.v[2].line, 7, "child line");
	}
	aa_profiles_free(&ps);

	struct lint_command rows[1] = { { .command = "apt-get", .what = "x" } };
	strlist_push(&rows[0].args, "update");
	struct lint_commands cmds = { rows, 1 };
	lint_scan_commands(&cmds, "#!/bin/sh\n# apt-get update\necho apt-get update\nif true; then /usr/bin/apt-get -q update; fi\n", 1, found,
			   NULL);
	is_int(hits, 1, "command scan: only the command in command position, not the comment or echo's argument");
	is_int(hit_line, 4, "command scan: its line");
	strlist_free(&rows[0].args);

	/* an ELF header fed one byte at a time, as a stream */
	FILE *self = fopen("/proc/self/exe", "rb");
	struct elf_scan es;
	elf_scan_init(&es);
	unsigned char c;
	uint64_t off = 0;
	while (self && fread(&c, 1, 1, self) == 1 && off < (4u << 20))
		elf_scan_feed(&es, &c, 1, off++);
	if (self)
		fclose(self);
	struct elf_info info = elf_scan_finish(&es);
	ok(info.is_elf && info.executable, "elf: this test binary is an ELF program");
	ok(info.relro != ELF_UNKNOWN && info.pie != ELF_UNKNOWN, "elf: PIE and RELRO are known from a byte-by-byte stream");
	installs_tests();
	return done_testing();
}
