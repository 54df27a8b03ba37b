#!/bin/sh
# lint-rules.t: every rule of `hardenkit lint` with a case that trips it and one that does not,
# on fixtures built here (trees, single files, a .deb made with tar and ar). The oracle for
# apparmor-invalid is apparmor_parser itself; for ELF, binaries compiled here with and without
# the hardening flags.
. "$(dirname "$0")/lib.sh"
. "$HK_SRCDIR/tests/lint/fixtures.sh"
scratch T

# lint ARGS…: runs the linter; output in $out, exit status in $rc
lint() {
	out=$("$HARDENKIT" lint "$@" 2>"$T/stderr")
	rc=$?
}
# trips RULE DESCRIPTION: the last run reported RULE
trips() {
	printf '%s\n' "$out" | grep -q ": $1: "
	ok $? "$2"
}
clean() {
	if printf '%s\n' "$out" | grep -q ": $1: "; then
		ok 1 "$2"
		printf '%s\n' "$out" | grep ": $1: " | sed 's/^/# /'
	else
		ok 0 "$2"
	fi
}

# ---- listen-public ----
printf 'bind 0.0.0.0\nport 6379\n' | put "$T/l1" etc/redis/redis.conf 0640
lint "$T/l1"
trips listen-public "listen-public: redis bind 0.0.0.0"
is "$rc" 1 "an error-level finding exits 1"
is "$(printf '%s\n' "$out" | grep -c ': listen-public: ')" 1 "one finding for one bad line"
printf '%s\n' "$out" | grep -q "^$T/l1/etc/redis/redis.conf:1: error: listen-public: bind 0.0.0.0"
ok $? "FILE:LINE: LEVEL: RULE: message, FILE being PATH/member"
printf 'bind 127.0.0.1 -::1\nport 6379\n' | put "$T/l2" etc/redis/redis.conf 0640
lint "$T/l2"
clean listen-public "listen-public: redis bind 127.0.0.1 -::1 passes"
is "$rc" 0 "no finding exits 0"

printf 'Port 22\nPermitRootLogin no\n' | put "$T/l3" etc/ssh/sshd_config 0644
lint "$T/l3"
trips listen-public "listen-public: sshd_config without ListenAddress (sshd's default is every address)"
printf 'Port 22\nListenAddress 127.0.0.1\n' | put "$T/l4" etc/ssh/sshd_config 0644
lint "$T/l4"
clean listen-public "listen-public: sshd_config with ListenAddress 127.0.0.1 passes"

printf 'server {\n\tlisten 80 default_server;\n}\n' | put "$T/l5" etc/nginx/sites-available/default 0644
lint "$T/l5"
trips listen-public "listen-public: nginx 'listen 80' (a bare port)"
printf 'server {\n\tlisten 127.0.0.1:80;\n\tlisten [::1]:80;\n}\n' | put "$T/l6" etc/nginx/sites-available/default 0644
lint "$T/l6"
clean listen-public "listen-public: nginx loopback listens pass"

printf 'options {\n\tlisten-on port 53 { any; };\n};\n' | put "$T/l7" etc/bind/named.conf.options 0644
lint "$T/l7"
trips listen-public "listen-public: named listen-on { any; }"
printf 'options {\n\tlisten-on port 53 { 127.0.0.1; };\n\tlisten-on-v6 { ::1; };\n};\n' | put "$T/l8" etc/bind/named.conf.options 0644
lint "$T/l8"
clean listen-public "listen-public: named listen-on { 127.0.0.1; } passes"

printf '[Socket]\nListenStream=8080\n' | put "$T/l9" usr/lib/systemd/system/fixture.socket 0644
lint "$T/l9"
trips listen-public "listen-public: ListenStream=8080 (no address: every interface)"
printf '[Socket]\nListenStream=127.0.0.1:8080\nListenStream=/run/fixture.sock\n' | put "$T/l10" usr/lib/systemd/system/fixture.socket 0644
lint "$T/l10"
clean listen-public "listen-public: ListenStream=127.0.0.1:8080 and a unix socket pass"

printf 'DAEMON_OPTS="--foreground --bind 0.0.0.0 --port 99"\n' | put "$T/l11" etc/default/fixture 0644
lint "$T/l11"
trips listen-public "listen-public: --bind 0.0.0.0 in an /etc/default file"
printf 'DAEMON_OPTS="--foreground --bind 127.0.0.1 -p 99"\n' | put "$T/l12" etc/default/fixture 0644
lint "$T/l12"
clean listen-public "listen-public: --bind 127.0.0.1 in an /etc/default file passes"

printf '[Service]\nExecStart=/usr/sbin/fixtured --listen=0.0.0.0\n' | put "$T/l13" usr/lib/systemd/system/fixture.service 0644
lint "$T/l13"
trips listen-public "listen-public: --listen=0.0.0.0 in ExecStart="

# A daemon binary without its config: a finding only where the package also starts it
head -c 200 /bin/true | put "$T/l14" usr/sbin/dnsmasq 0755
lint "$T/l14"
clean listen-public "listen-public: a binary-only package (Debian's dnsmasq-base) leaves the address to the package that starts it"
printf '[Service]\nExecStart=/usr/sbin/dnsmasq -k\n' | put "$T/l14" usr/lib/systemd/system/dnsmasq.service 0644
lint "$T/l14"
trips listen-public "listen-public: the same binary with a unit that starts it, and no config naming an address"

# ---- credential-default and credential-readable ----
printf 'agentaddress 127.0.0.1\nrocommunity public localhost\n' | put "$T/c1" etc/snmp/snmpd.conf 0600
lint "$T/c1"
trips credential-default "credential-default: snmpd rocommunity public"
clean credential-readable "credential-readable: a 0600 file passes"
printf 'agentaddress 127.0.0.1\nrocommunity Zq8vRk2mW4tYp localhost\n' | put "$T/c2" etc/snmp/snmpd.conf 0600
lint "$T/c2"
clean credential-default "credential-default: a random community passes"
printf 'bind 127.0.0.1\nrequirepass ""\n' | put "$T/c3" etc/redis/redis.conf 0600
lint "$T/c3"
trips credential-default "credential-default: a blank requirepass"
printf 'agentaddress 127.0.0.1\nrocommunity Zq8vRk2mW4tYp localhost\n' | put "$T/c4" etc/snmp/snmpd.conf 0644
lint "$T/c4"
trips credential-readable "credential-readable: a community in a 0644 file"
# XML (libxml2): Icecast's shipped passwords and its listen socket with no bind-address
printf '<icecast>\n  <authentication>\n    <admin-user>admin</admin-user>\n    <admin-password>hackme</admin-password>\n  </authentication>\n  <listen-socket>\n    <port>8000</port>\n    <!-- <bind-address>127.0.0.1</bind-address> -->\n  </listen-socket>\n</icecast>\n' |
	put "$T/c5" etc/icecast2/icecast.xml 0640
lint "$T/c5"
printf '%s\n' "$out" | grep -q "etc/icecast2/icecast.xml:4: error: credential-default: admin-password uses the well-known default 'hackme'"
ok $? "credential-default: icecast.xml's admin-password hackme, at its line (xml dialect)"
trips listen-public "listen-public: icecast.xml with its bind-address commented out (every interface)"
printf '<icecast>\n  <authentication>\n    <admin-password>Zq8vRk2mW4tYp</admin-password>\n  </authentication>\n  <listen-socket>\n    <port>8000</port>\n    <bind-address>127.0.0.1</bind-address>\n  </listen-socket>\n</icecast>\n' |
	put "$T/c6" etc/icecast2/icecast.xml 0640
lint "$T/c6"
clean credential-default "credential-default: icecast.xml with a random admin-password passes"
clean listen-public "listen-public: icecast.xml bound to 127.0.0.1 passes"
# XML attributes: tomcat's Connector without an address, a user whose password is its name
printf '<Server port="-1" shutdown="SHUTDOWN">\n  <Service name="Catalina">\n    <Connector port="8080" protocol="HTTP/1.1"\n               connectionTimeout="20000" />\n  </Service>\n</Server>\n' |
	put "$T/x1" etc/tomcat10/server.xml 0640
printf '<tomcat-users>\n  <user username="tomcat" password="tomcat" roles="manager-gui"/>\n</tomcat-users>\n' |
	put "$T/x1" etc/tomcat10/tomcat-users.xml 0640
lint "$T/x1"
trips listen-public "listen-public: tomcat's Connector with no address attribute (xml attributes)"
printf '%s\n' "$out" | grep -q "etc/tomcat10/tomcat-users.xml:2: error: credential-default: password 'tomcat' equals the user name"
ok $? "credential-default: a tomcat-users.xml password equal to its username, at its line"
printf '<Server port="-1" shutdown="SHUTDOWN">\n  <Service name="Catalina">\n    <Connector port="8080" address="127.0.0.1" />\n  </Service>\n</Server>\n' |
	put "$T/x2" etc/tomcat10/server.xml 0640
lint "$T/x2"
clean listen-public "listen-public: a Connector with address=\"127.0.0.1\" passes"
# a fragment decides nothing about the daemon's default: mariadb-client's [client] section
printf '[client]\ndefault-character-set = utf8mb4\n' | put "$T/m1" etc/mysql/mariadb.conf.d/50-client.cnf 0644
lint "$T/m1"
clean listen-public "listen-public: a client's fragment of the mysql dialect, without the server, passes"
printf '[client-server]\nsocket = /run/mysqld/mysqld.sock\n' | put "$T/m2" etc/mysql/my.cnf 0644
lint "$T/m2"
trips listen-public "listen-public: the dialect's main file (my.cnf) without bind-address: every interface"
# dialects the linter alone reads: the Zabbix agent and RabbitMQ's environment file
printf '# ListenIP=0.0.0.0\nServer=127.0.0.1\n' | put "$T/z1" etc/zabbix/zabbix_agentd.conf 0644
printf '#NODE_IP_ADDRESS=127.0.0.1\n' | put "$T/z1" etc/rabbitmq/rabbitmq-env.conf 0644
lint "$T/z1"
printf '%s\n' "$out" | grep -q "etc/zabbix/zabbix_agentd.conf: error: listen-public: no zabbix-agent listen address"
ok $? "listen-public: zabbix_agentd.conf with ListenIP commented out (every interface)"
printf '%s\n' "$out" | grep -q "etc/rabbitmq/rabbitmq-env.conf: error: listen-public: no rabbitmq-env listen address"
ok $? "listen-public: rabbitmq-env.conf with NODE_IP_ADDRESS commented out (every interface)"
printf 'ListenIP=127.0.0.1\nServer=127.0.0.1\n' | put "$T/z2" etc/zabbix/zabbix_agentd.conf 0644
printf 'NODE_IP_ADDRESS=127.0.0.1\n' | put "$T/z2" etc/rabbitmq/rabbitmq-env.conf 0644
lint "$T/z2"
clean listen-public "listen-public: ListenIP=127.0.0.1 and NODE_IP_ADDRESS=127.0.0.1 pass"

# ---- unit rules ----
hardened_unit /usr/sbin/fixtured | put "$T/u1" usr/lib/systemd/system/fixture.service 0644
profile fixture /usr/sbin/fixtured | put "$T/u1" etc/apparmor.d/usr.sbin.fixtured 0644
lint "$T/u1"
for r in unit-no-new-privileges unit-protect-system unit-private-tmp unit-restrict-namespaces \
	unit-restrict-address-families unit-system-call-filter unit-exposure apparmor-missing; do
	clean $r "$r: hardenkit's sandbox passes"
done
is "$rc" 0 "a hardened unit with its profile exits 0"
printf '[Unit]\nDescription=bare\n[Service]\nExecStart=/usr/sbin/fixtured\n' | put "$T/u2" usr/lib/systemd/system/fixture.service 0644
lint "$T/u2"
for r in unit-no-new-privileges unit-protect-system unit-private-tmp unit-restrict-namespaces \
	unit-restrict-address-families unit-system-call-filter unit-exposure apparmor-missing; do
	trips $r "$r: a unit without a sandbox"
done
lint --threshold 10 "$T/u2"
clean unit-exposure "unit-exposure: --threshold 10 accepts it"
lint --threshold x "$T/u2"
is "$rc" 2 "--threshold x is a usage error (exit 2)"

# drop-ins are merged by systemd's rules: a later drop-in undoes, an empty assignment resets
cp -a "$T/u1" "$T/u3"
printf '[Service]\nNoNewPrivileges=no\nProtectSystem=full\nRestrictAddressFamilies=AF_NETLINK\nSystemCallFilter=@mount\nRestrictNamespaces=~user\n' |
	put "$T/u3" usr/lib/systemd/system/fixture.service.d/90-weaker.conf 0644
lint "$T/u3"
for r in unit-no-new-privileges unit-protect-system unit-restrict-address-families unit-system-call-filter unit-restrict-namespaces; do
	trips $r "$r: a weakening drop-in over the hardened unit"
done
printf '%s\n' "$out" | grep -q "fixture.service.d/90-weaker.conf:2: error: unit-no-new-privileges"
ok $? "the finding points at the drop-in's line"
cp -a "$T/u1" "$T/u4"
printf '[Service]\nSystemCallFilter=\nSystemCallFilter=~@mount\nRestrictAddressFamilies=\n' |
	put "$T/u4" usr/lib/systemd/system/fixture.service.d/90-reset.conf 0644
lint "$T/u4"
trips unit-system-call-filter "unit-system-call-filter: a drop-in that resets to a ~deny-list"
trips unit-restrict-address-families "unit-restrict-address-families: a drop-in that resets the list"

# ---- AppArmor ----
hardened_unit /usr/sbin/fixtured | put "$T/a1" usr/lib/systemd/system/fixture.service 0644
sed -i 's/^AppArmorProfile=.*//' "$T/a1/usr/lib/systemd/system/fixture.service"
printf 'profile fixture /usr/sbin/fixtured {\n}\n' | put "$T/a1" etc/apparmor.d/usr.sbin.fixtured 0644
lint "$T/a1"
trips apparmor-missing "apparmor-missing: an empty placeholder profile counts as missing"
hardened_unit /usr/sbin/fixtured | put "$T/a2" usr/lib/systemd/system/fixture.service 0644
sed -i 's/^AppArmorProfile=.*//' "$T/a2/usr/lib/systemd/system/fixture.service"
profile fixture /usr/sbin/fixtured | put "$T/a2" etc/apparmor.d/usr.sbin.fixtured 0644
lint "$T/a2"
clean apparmor-missing "apparmor-missing: a profile attached by path passes"
clean apparmor-complain "apparmor-complain: an enforce profile passes"
profile fixture /usr/sbin/fixtured complain | put "$T/a3" etc/apparmor.d/usr.sbin.fixtured 0644
lint "$T/a3"
trips apparmor-complain "apparmor-complain: flags=(complain)"
printf 'profile fixture /usr/sbin/fixtured {\n  /etc/fixture r,\n  profile helper /usr/bin/helper flags=(complain) {\n    /etc/fixture r,\n  }\n}\n' |
	put "$T/a4" etc/apparmor.d/usr.sbin.fixtured 0644
lint "$T/a4"
trips apparmor-complain "apparmor-complain: a child profile in complain mode"
printf '%s\n' "$out" | grep -q "usr.sbin.fixtured:3: error: apparmor-complain: child profile helper"
ok $? "apparmor-complain names the child profile's line"
if command -v apparmor_parser >/dev/null 2>&1 || [ -x /usr/sbin/apparmor_parser ] || [ -x /sbin/apparmor_parser ]; then
	printf 'profile fixture /usr/sbin/fixtured {\n  /etc/fixture r,\n  /etc/other rwx-bogus,\n}\n' | put "$T/a5" etc/apparmor.d/usr.sbin.fixtured 0644
	lint "$T/a5"
	trips apparmor-invalid "apparmor-invalid: apparmor_parser refuses a bad permission"
	printf '%s\n' "$out" | grep -q "usr.sbin.fixtured:3: error: apparmor-invalid: "
	ok $? "apparmor-invalid reports the parser's line"
	lint "$T/a2"
	clean apparmor-invalid "apparmor-invalid: a valid profile passes apparmor_parser -QK"
	lint --no-apparmor-parser "$T/a5"
	clean apparmor-invalid "--no-apparmor-parser skips apparmor-invalid"
else
	skip "apparmor_parser is not installed (tools/install-deps test installs apparmor)"
fi

# ---- phone-home ----
printf 'SHELL=/bin/sh\n17 * * * * root curl -fsS https://example.invalid/ping >/dev/null\n' | put "$T/p1" etc/cron.d/fixture 0644
lint "$T/p1"
trips phone-home "phone-home: a cron job running curl"
printf '%s\n' "$out" | grep -q "etc/cron.d/fixture:2: error: phone-home: "
ok $? "phone-home names the cron line"
printf 'SHELL=/bin/sh\n17 * * * * root /usr/sbin/fixture-cleanup --curl-free\n' | put "$T/p2" etc/cron.d/fixture 0644
lint "$T/p2"
clean phone-home "phone-home: a local cron job passes"
printf '[Timer]\nOnCalendar=daily\n' | put "$T/p3" usr/lib/systemd/system/fixture-update.timer 0644
printf '[Service]\nType=oneshot\nExecStart=/usr/bin/apt-get -qq update\n' | put "$T/p3" usr/lib/systemd/system/fixture-update.service 0644
lint "$T/p3"
trips phone-home "phone-home: a timer starting apt-get update"
printf '[mysqld]\nbind-address = 127.0.0.1\nfeedback = ON\n' | put "$T/p4" etc/mysql/mariadb.conf.d/50-server.cnf 0644
lint "$T/p4"
trips phone-home "phone-home: MariaDB feedback=ON (the dialect's telemetry key)"
printf '[mysqld]\nbind-address = 127.0.0.1\nfeedback = OFF\n' | put "$T/p5" etc/mysql/mariadb.conf.d/50-server.cnf 0644
lint "$T/p5"
clean phone-home "phone-home: feedback=OFF passes"
printf '// fixture\nAPT::Periodic::Update-Package-Lists "0";\nAPT::Periodic::Unattended-Upgrade "1";\n' | put "$T/p6" etc/apt/apt.conf.d/20auto-upgrades 0644
lint "$T/p6"
printf '%s\n' "$out" | grep -q "etc/apt/apt.conf.d/20auto-upgrades:3: error: phone-home: APT::Periodic::Unattended-Upgrade 1 turns on unattended upgrades"
ok $? "phone-home: APT::Periodic::Unattended-Upgrade \"1\" (background auto-update), at its line"
printf 'APT::Periodic::Update-Package-Lists "0";\napt::periodic::unattended-upgrade "0";\n' | put "$T/p7" etc/apt/apt.conf.d/20auto-upgrades 0644
lint "$T/p7"
clean phone-home "phone-home: APT::Periodic intervals of 0 pass"
printf 'APT {\n  Periodic {\n    Download-Upgradeable-Packages "always";\n  };\n};\n' | put "$T/p8" etc/apt/apt.conf.d/10periodic 0644
lint "$T/p8"
printf '%s\n' "$out" | grep -q "etc/apt/apt.conf.d/10periodic:3: error: phone-home: APT::Periodic::Download-Upgradeable-Packages always"
ok $? "phone-home: the nested spelling of APT::Periodic (apt.conf scopes), at its line"

# ---- a .deb: maintainer scripts are judged too ----
mkdir -p "$T/d1/data/etc" "$T/d1/control" && printf 'x = 1\n' >"$T/d1/data/etc/fixture.conf"
printf 'Package: fixture\nVersion: 1.0-1\nArchitecture: all\nMaintainer: t <t@example.invalid>\nDescription: fixture\n' >"$T/d1/control/control"
printf '#!/bin/sh\nset -e\nwget -q -O /tmp/x https://example.invalid/x\nsystemctl disable --now nftables.service\nufw disable\n' >"$T/d1/control/postinst"
chmod 0755 "$T/d1/control/postinst"
mkdeb "$T/d1" "$T/d1/data" "$T/d1/control"
lint "$T/d1/fixture.deb"
trips phone-home "phone-home: a postinst running wget (.deb)"
trips firewall-disabled "firewall-disabled: a postinst disabling nftables.service"
printf '%s\n' "$out" | grep -q "fixture.deb/DEBIAN/postinst:5: error: firewall-disabled: .*ufw"
ok $? "firewall-disabled: 'ufw disable' (templates/lint/commands.conf) at its line"
printf '#!/bin/sh\nset -e\nsystemctl enable fixture.service\n' >"$T/d1/control/postinst"
mkdeb "$T/d1" "$T/d1/data" "$T/d1/control"
lint "$T/d1/fixture.deb"
clean phone-home "phone-home: a quiet postinst passes"
clean firewall-disabled "firewall-disabled: a postinst that only enables its own unit passes"
out=$("$HARDENKIT" lint --format=json "$T/d1/fixture.deb" | jq -r '.packages[0] | .name + " " + .version')
is "$out" "fixture 1.0-1" "name and version come from DEBIAN/control"

# ---- a config the postinst installs with ucf is judged where it lands ----
mkdir -p "$T/d2/data/usr/share/fixture" "$T/d2/control"
cp "$T/d1/control/control" "$T/d2/control/control"
printf 'bind 0.0.0.0\n' >"$T/d2/data/usr/share/fixture/redis.conf"
printf 'bind 0.0.0.0\n' >"$T/d2/data/usr/share/fixture/example-redis.conf"
printf '#!/bin/sh\nset -e\nNEW=/usr/share/fixture/redis.conf\nucf --three-way "$NEW" /etc/redis/redis.conf\n' >"$T/d2/control/postinst"
chmod 0755 "$T/d2/control/postinst"
mkdeb "$T/d2" "$T/d2/data" "$T/d2/control"
lint "$T/d2/fixture.deb"
printf '%s\n' "$out" | grep -q "fixture.deb/usr/share/fixture/redis.conf:1: error: listen-public: bind 0.0.0.0: .*(DEBIAN/postinst:4 installs it as /etc/redis/redis.conf)"
ok $? "listen-public: a config ucf installs from /usr/share, at its line, naming the call ($out)"
printf '%s\n' "$out" | grep -q "example-redis.conf"
ok $((!$?)) "listen-public: a file under /usr/share no script installs is not judged"
printf 'bind 127.0.0.1 ::1\n' >"$T/d2/data/usr/share/fixture/redis.conf"
mkdeb "$T/d2" "$T/d2/data" "$T/d2/control"
lint "$T/d2/fixture.deb"
clean listen-public "listen-public: the ucf-installed config bound to loopback passes"

# ---- firewall-open ----
printf 'table inet fixture {\n\tchain input {\n\t\ttype filter hook input priority 0; policy accept;\n\t}\n}\n' | put "$T/f1" etc/nftables.conf 0644
lint "$T/f1"
trips firewall-open "firewall-open: an input chain with policy accept (audited by libnftables)"
printf 'table inet fixture {\n\tchain input {\n\t\ttype filter hook input priority 0; policy drop;\n\t\tiif lo accept\n\t}\n}\n' | put "$T/f2" etc/nftables.conf 0644
lint "$T/f2"
clean firewall-open "firewall-open: a drop-policy input chain passes"
printf '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n-A INPUT -p tcp --dport 8080 -j ACCEPT\nCOMMIT\n' | put "$T/f3" etc/iptables/rules.v4 0644
lint "$T/f3"
trips firewall-open "firewall-open: iptables :INPUT ACCEPT"
printf '*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT\nCOMMIT\n' | put "$T/f4" etc/iptables/rules.v4 0644
lint "$T/f4"
clean firewall-open "firewall-open: iptables drop policy with loopback and replies passes"
printf 'flush ruleset\ntable inet fixture {\n}\n' | put "$T/f5" etc/nftables.conf 0644
lint "$T/f5"
trips firewall-disabled "firewall-disabled: a shipped ruleset that flushes the ruleset"
lint "$T/f2"
clean firewall-disabled "firewall-disabled: a ruleset adding its own table passes"

# ---- warnings: they never fail the gate ----
printf '#!/bin/sh\n' | put "$T/w1" usr/bin/fixture-helper 4755
mkdir -p "$T/w1/var/lib/fixture" && chmod 0777 "$T/w1/var/lib/fixture"
lint "$T/w1"
trips file-setuid "file-setuid: a 4755 file"
trips file-world-writable "file-world-writable: a 0777 directory"
is "$rc" 0 "warnings alone exit 0"
chmod 0755 "$T/w1/usr/bin/fixture-helper" && chmod 1777 "$T/w1/var/lib/fixture"
lint "$T/w1"
clean file-setuid "file-setuid: a 0755 file passes"
clean file-world-writable "file-world-writable: a sticky 1777 directory passes"

if command -v cc >/dev/null 2>&1; then
	mkdir -p "$T/e1/usr/sbin" "$T/e2/usr/sbin"
	printf '#include <stdio.h>\n#include <string.h>\nint main(int c, char **v) { char b[64]; strcpy(b, v[0]); printf("%%s %%d\\n", b, c); return 0; }\n' >"$T/e.c"
	cc -O2 -no-pie -fno-pie -fno-stack-protector -U_FORTIFY_SOURCE -Wl,-z,norelro -Wl,-z,lazy -o "$T/e1/usr/sbin/fixtured" "$T/e.c"
	cc -O2 -fPIE -pie -fstack-protector-all -D_FORTIFY_SOURCE=2 -Wl,-z,relro -Wl,-z,now -o "$T/e2/usr/sbin/fixtured" "$T/e.c"
	# the rule judges daemon binaries: what a service unit or init script of the package starts
	hardened_unit /usr/sbin/fixtured | put "$T/e1" usr/lib/systemd/system/fixture.service 0644
	hardened_unit /usr/sbin/fixtured | put "$T/e2" usr/lib/systemd/system/fixture.service 0644
	mkdir -p "$T/e4/usr/bin" "$T/e5/usr/sbin" && cp "$T/e1/usr/sbin/fixtured" "$T/e4/usr/bin/fixture-tool"
	cp "$T/e1/usr/sbin/fixtured" "$T/e5/usr/sbin/fixtured"
	printf '#!/bin/sh\nDAEMON=/usr/sbin/fixtured\nstart-stop-daemon --start --exec $DAEMON\n' | put "$T/e5" etc/init.d/fixture 0755
	lint "$T/e1"
	printf '%s\n' "$out" | grep -q "elf-hardening: built without PIE, RELRO, BIND_NOW, stack protector, FORTIFY"
	ok $? "elf-hardening: a daemon binary built without any hardening lacks all five"
	lint "$T/e5"
	trips elf-hardening "elf-hardening: the binary an init script starts is a daemon binary too"
	lint "$T/e4"
	clean elf-hardening "elf-hardening: the same binary as a tool no unit or init script starts is not judged"
	lint "$T/e2"
	clean elf-hardening "elf-hardening: a binary built with PIE, RELRO, BIND_NOW, SSP and FORTIFY passes"
	# no call glibc could check (no buffer function at all): FORTIFY cannot show, so it is not missing
	mkdir -p "$T/e3/usr/sbin"
	printf '#include <unistd.h>
int main(void) { return getpid() == 1; }
' >"$T/e3.c"
	cc -O2 -fPIE -pie -fstack-protector-all -D_FORTIFY_SOURCE=2 -Wl,-z,relro -Wl,-z,now -o "$T/e3/usr/sbin/fixtured" "$T/e3.c"
	hardened_unit /usr/sbin/fixtured | put "$T/e3" usr/lib/systemd/system/fixture.service 0644
	lint "$T/e3"
	clean elf-hardening "elf-hardening: a hardened binary that imports no fortifiable function passes (no FORTIFY false positive)"
else
	skip "no C compiler to build the ELF fixtures"
fi

# ---- single files ----
printf '[Socket]\nListenStream=0.0.0.0:9000\n' >"$T/alone.socket"
lint "$T/alone.socket"
printf '%s\n' "$out" | grep -q "^$T/alone.socket:2: error: listen-public: "
ok $? "a unit file given alone is judged and named as given"
printf 'rocommunity private default\n' >"$T/snmpd.conf" && chmod 0600 "$T/snmpd.conf"
lint "$T/snmpd.conf"
trips credential-default "a config given alone is placed by its dialect (snmpd.conf)"

# ---- rules and explain ----
"$HARDENKIT" rules >"$T/rules"
for r in listen-public credential-default credential-readable unit-no-new-privileges unit-protect-system \
	unit-private-tmp unit-restrict-namespaces unit-restrict-address-families unit-system-call-filter \
	unit-exposure apparmor-missing apparmor-complain apparmor-invalid phone-home firewall-open firewall-disabled; do
	grep -q "^$r  *error  *invariant " "$T/rules"
	ok $? "rules lists $r as an invariant error"
done
"$HARDENKIT" explain unit-exposure | grep -q "4.9"
ok $? "explain unit-exposure justifies the default threshold"
"$HARDENKIT" explain no-such-rule >/dev/null 2>&1
is "$?" 2 "explain of an unknown id exits 2"
"$HARDENKIT" lint >/dev/null 2>&1
is "$?" 2 "lint without a path exits 2"
"$HARDENKIT" lint --format=xml "$T/l2" >/dev/null 2>&1
is "$?" 2 "lint with an unknown format exits 2"

done_testing
