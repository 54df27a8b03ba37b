/* listen: classifies what a listen setting's value binds (loopback or a unix socket, or
 * beyond: a wildcard, an interface, another host's address, a bare port). */
#ifndef HK_LINT_LISTEN_H
#define HK_LINT_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

enum addr_class { ADDR_NONE, ADDR_LOCAL, ADDR_PORT, ADDR_PUBLIC };

/* The worst class among the value's tokens. WHY (if not NULL) receives the token that made it
 * public. A value holding only ports binds every address when PORT_MEANS_ALL (nginx
 * "listen 80", ListenStream=80); otherwise ports are not addresses (a flag's argument). */
enum addr_class listen_classify(const char *value, bool port_means_all, char *why, size_t why_len);
/* One token: "127.0.0.1:80", "[::]", "*", "eth0", "unix:/run/x", "ldap:///". */
enum addr_class listen_token(const char *token);

#endif
