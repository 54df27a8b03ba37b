# fixtures.sh: builds the linter's test inputs at test time, sourced by tests/lint*.t.
# Every fixture is a small tree (a DESTDIR) or an archive made from one with tar and ar.

# put ROOT PATH MODE: writes standard input to ROOT/PATH with MODE
put() {
	mkdir -p "$(dirname "$1/$2")"
	cat >"$1/$2"
	chmod "$3" "$1/$2"
}

# hardened_unit BINARY: a service unit with hardenkit's whole sandbox (templates/units/hardening.conf)
hardened_unit() {
	printf '[Unit]\nDescription=fixture daemon\n\n[Service]\nExecStart=%s --foreground\nUser=fixture\nGroup=fixture\n' "$1"
	grep -v '^#' "$HK_SRCDIR/templates/units/hardening.conf" |
		sed -e 's/@CAPABILITIES@//' -e 's/@ADDRESS_FAMILIES@/AF_UNIX AF_INET AF_INET6/' \
			-e 's/@IP_ALLOW@/localhost/' -e 's/@PROFILE@/fixture/'
	printf '\n[Install]\nWantedBy=multi-user.target\n'
}

# profile NAME ATTACH [FLAGS]: an enforce-mode (or FLAGS) AppArmor profile with real rules
profile() {
	printf 'abi <abi/3.0>,\ninclude <tunables/global>\n\nprofile %s %s %s{\n  include <abstractions/base>\n  /etc/fixture/** r,\n  %s mr,\n}\n' \
		"$1" "$2" "${3:+flags=($3) }" "$2"
}

# mkdeb DIR TREE CONTROLDIR: DIR/fixture.deb from TREE (data) and CONTROLDIR (control files)
mkdeb() {
	(cd "$3" && tar --owner=0 --group=0 -cJf "$1/control.tar.xz" .) &&
		(cd "$2" && tar --owner=0 --group=0 -cJf "$1/data.tar.xz" .) &&
		printf '2.0\n' >"$1/debian-binary" &&
		(cd "$1" && rm -f fixture.deb && ar rc fixture.deb debian-binary control.tar.xz data.tar.xz &&
			rm debian-binary control.tar.xz data.tar.xz)
}

# mkpool POOL SRC NAME VERSION SECTION [CONTROL-LINES]: POOL/n/NAME/NAME_VERSION_all.deb from
# the tree SRC/NAME/tree, with a control file of that name, version and section
mkpool() {
	mkdir -p "$2/$3/tree" "$2/$3/ctl" "$1/${3%"${3#?}"}/$3"
	printf 'Package: %s\nVersion: %s\nSection: %s\nPriority: optional\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: fixture\n%b' \
		"$3" "$4" "$5" "${6:-}" >"$2/$3/ctl/control"
	mkdeb "$2/$3" "$2/$3/tree" "$2/$3/ctl" &&
		mv "$2/$3/fixture.deb" "$1/${3%"${3#?}"}/$3/$3_$4_all.deb"
}
