/* listen: the address classifier; see listen.h. The words are data: wildcards, loopback names,
 * scheme prefixes, interface name stems. */
#include "listen.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../core/util.h"

static const char *const wildcard_words[] = { "*", "any", "all", "0.0.0.0", "::", "::*", "0::0", "in6addr_any", NULL };
static const char *const loopback_words[] = { "localhost", "localhost4", "localhost6", "ip6-localhost",
					      "ip6-loopback", "lo", "loopback", "loopback-only", NULL };
/* Prefixes daemons put before an address (snmpd udp:, opendkim inet:, nginx unix:). */
static const struct {
	const char *prefix;
	bool local;
} schemes[] = {
	{ "tcp:", false },  { "tcp6:", false }, { "udp:", false },	   { "udp6:", false },  { "inet:", false },
	{ "inet6:", false }, { "ipv4:", false }, { "ipv6:", false },	   { "tls:", false },   { "dtlsudp:", false },
	{ "ssl:", false },  { "unix:", true },  { "local:", true },	   { "vsock:", true },  { "netlink:", true },
};
/* URL schemes whose "host" is a socket path, not an address. */
static const char *const local_url_schemes[] = { "ldapi", "unix", "file", NULL };
/* Interface names: what follows these stems is a number or a slot name (eth0, enp3s0, wlan0). */
static const char *const interface_stems[] = { "eth", "en", "wl", "wlan", "br", "bond", "vlan", "ib", "ww", "veth", NULL };

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i]; i++)
		if (strcasecmp(list[i], s) == 0)
			return true;
	return false;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static enum addr_class classify_host(const char *host)
{
	char h[256];
	snprintf(h, sizeof h, "%s", host);
	char *slash = strchr(h, '/'); /* a CIDR prefix: 192.168.0.0/16 */
	if (slash && slash != h)
		*slash = 0;
	char *pct = strchr(h, '%'); /* a zone: fe80::1%eth0 */
	if (pct)
		*pct = 0;
	if (!*h)
		return ADDR_PUBLIC; /* ":80": no address, every interface */
	if (in_list(wildcard_words, h))
		return ADDR_PUBLIC;
	if (in_list(loopback_words, h))
		return ADDR_LOCAL;
	unsigned char a[16];
	if (inet_pton(AF_INET, h, a) == 1)
		return a[0] == 127 ? ADDR_LOCAL : ADDR_PUBLIC;
	if (inet_pton(AF_INET6, h, a) == 1) {
		static const unsigned char one[16] = { [15] = 1 };
		static const unsigned char mapped[12] = { [10] = 0xff, [11] = 0xff };
		if (memcmp(a, one, 16) == 0 || (memcmp(a, mapped, 12) == 0 && a[12] == 127))
			return ADDR_LOCAL;
		return ADDR_PUBLIC;
	}
	if (all_digits(h))
		return ADDR_PORT;
	for (size_t i = 0; interface_stems[i]; i++) {
		size_t n = strlen(interface_stems[i]);
		if (strncmp(h, interface_stems[i], n) == 0 && h[n] && isdigit((unsigned char)h[strlen(h) - 1]))
			return ADDR_PUBLIC; /* an interface */
	}
	bool letters = false, dot = false;
	for (const char *p = h; *p; p++) {
		if (*p == '.')
			dot = true;
		else if (isalpha((unsigned char)*p))
			letters = true;
		else if (!isdigit((unsigned char)*p) && *p != '-')
			return ADDR_NONE;
	}
	/* a host name other than localhost is resolved to some interface's address */
	return dot && letters ? ADDR_PUBLIC : ADDR_NONE;
}

enum addr_class listen_token(const char *token)
{
	const char *t = token;
	if (*t == '-' && (isdigit((unsigned char)t[1]) || t[1] == ':' || t[1] == '[' || t[1] == '*'))
		t++; /* redis: "-::1" is an optional address */
	if (*t == '/' || *t == '@' || *t == '~')
		return ADDR_LOCAL; /* a unix socket path, abstract name or home path */
	if (t[0] == '%' && isalpha((unsigned char)t[1]) && t[2] == '/')
		return ADDR_LOCAL; /* a path under a systemd specifier: mpd.socket's %t/mpd/socket */
	for (size_t i = 0; i < sizeof schemes / sizeof *schemes; i++) {
		size_t n = strlen(schemes[i].prefix);
		if (strncasecmp(t, schemes[i].prefix, n) == 0) {
			if (schemes[i].local)
				return ADDR_LOCAL;
			t += n;
			if (all_digits(t))
				return ADDR_PUBLIC; /* "udp:161", "inet:8891": a port on every address */
			break;
		}
	}
	const char *url = strstr(t, "://");
	if (url) {
		char scheme[32];
		snprintf(scheme, sizeof scheme, "%.*s", (int)(url - t < 31 ? url - t : 31), t);
		if (in_list(local_url_schemes, scheme))
			return ADDR_LOCAL;
		const char *host = url + 3;
		size_t n = strcspn(host, "/");
		char h[256];
		snprintf(h, sizeof h, "%.*s", (int)(n < 255 ? n : 255), host);
		if (!*h)
			return ADDR_PUBLIC; /* ldap:/// : every interface */
		enum addr_class c = listen_token(h);
		return c == ADDR_PORT || c == ADDR_NONE ? ADDR_PUBLIC : c;
	}
	/* opendkim writes PORT@HOST, unbound HOST@PORT: the side that is all digits is the port */
	char host[256];
	const char *at = strchr(t, '@');
	if (at && at != t) {
		if (all_digits(at + 1)) {
			snprintf(host, sizeof host, "%.*s", (int)(at - t < 255 ? at - t : 255), t);
			return listen_token(host);
		}
		t = at + 1;
	}
	if (*t == '[') {
		const char *close = strchr(t, ']');
		if (!close)
			return ADDR_NONE;
		snprintf(host, sizeof host, "%.*s", (int)(close - t - 1 < 255 ? close - t - 1 : 255), t + 1);
		return classify_host(host);
	}
	const char *colon = strchr(t, ':');
	if (colon && !strchr(colon + 1, ':') && (all_digits(colon + 1) || !colon[1] || strcmp(colon + 1, "*") == 0)) {
		snprintf(host, sizeof host, "%.*s", (int)(colon - t < 255 ? colon - t : 255), t);
		enum addr_class c = classify_host(host);
		return c == ADDR_PORT ? ADDR_NONE : c;
	}
	return classify_host(t);
}

enum addr_class listen_classify(const char *value, bool port_means_all, char *why, size_t why_len)
{
	enum addr_class worst = ADDR_NONE;
	bool local = false, port = false;
	char tok[512];
	const char *p = value;
	while (*p) {
		size_t skip = strspn(p, " \t,;{}\"'=()");
		p += skip;
		size_t n = strcspn(p, " \t,;{}\"'=()");
		if (!n)
			break;
		snprintf(tok, sizeof tok, "%.*s", (int)(n < sizeof tok - 1 ? n : sizeof tok - 1), p);
		p += n;
		/* named: "port 53" names a port, not an address */
		if (strcasecmp(tok, "port") == 0) {
			size_t s2 = strspn(p, " \t");
			size_t n2 = strcspn(p + s2, " \t,;{}");
			p += s2 + n2;
			continue;
		}
		enum addr_class c = listen_token(tok);
		if (c == ADDR_PUBLIC && worst != ADDR_PUBLIC) {
			worst = ADDR_PUBLIC;
			if (why)
				snprintf(why, why_len, "%s", tok);
		}
		local |= c == ADDR_LOCAL;
		port |= c == ADDR_PORT;
	}
	if (worst == ADDR_PUBLIC)
		return worst;
	if (local)
		return ADDR_LOCAL;
	if (port && port_means_all) {
		if (why)
			snprintf(why, why_len, "a port with no address");
		return ADDR_PUBLIC;
	}
	return port ? ADDR_PORT : ADDR_NONE;
}
