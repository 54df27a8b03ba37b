#!/bin/sh
# index-attacks.t: the attacks a package index must survive, each against both clients:
# hardenkit index verify/check (one-line error naming the file, exit 1, state unchanged) and
# tuf-js (refused, nothing downloaded). Then the token failing at signing time: nothing written.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/index-lib.sh"
tufjs_setup || { echo "Bail out! tuf-js could not be installed (npm ci)"; exit 1; }
cd "$work" || exit 1
make_pool
forge() { python3 "$HK_SRCDIR/tests/index-forge.py" "$@"; }

# the good repository: root 1 (master, subkey A), index versions 1 then 2; both clients at 2
hk keys --master master.key --passphrase-file pass --token "$TOKEN_A" --pin-file pin --public-out a.pub >/dev/null &&
	hk certify --repo good --master master.key --passphrase-file pass --subkey a.pub >/dev/null &&
	hk build --repo good --pool pool --token "$TOKEN_A" --pin-file pin >/dev/null
ok $? "setup: keys, root 1, index version 1"
cp good/metadata/timestamp.json ts1.json
cp good/metadata/1.root.json pinned-root.json
hk verify --repo good --state state --root pinned-root.json >/dev/null
ok $? "setup: hardenkit's client accepts version 1"
serve good
mkdir -p tj && cp pinned-root.json tj/root.json
tufjs tj main/h/hello_2.10-3_arm64.deb >/dev/null
ok $? "setup: tuf-js accepts version 1"
echo v2 >>pool/nginx-1.22.1-9.x86_64.rpm
hk build --repo good --pool pool --token "$TOKEN_A" --pin-file pin >/dev/null &&
	hk verify --repo good --state state >/dev/null && tufjs tj main/h/hello_2.10-3_arm64.deb >/dev/null
ok $? "setup: version 2 signed, both clients at version 2"
rm -rf tj/tgt
# the next legitimate version, 3, which most attacks start from
cp -a good next
echo v3 >>pool/nginx-1.22.1-9.x86_64.rpm
hk build --repo next --pool pool --token "$TOKEN_A" --pin-file pin >/dev/null
ok $? "setup: version 3 in a copy of the repository"

n=0
# attack DESCRIPTION REPO FILE MESSAGE-REGEX: both clients refuse REPO; hardenkit in one line
# that names REPO/metadata/FILE and matches the regex; neither client's state changes
attack() {
	n=$((n + 1))
	rm -rf "s$n" "t$n"
	cp -a state "s$n"
	cp -a tj "t$n"
	before=$(state_sum "s$n")
	hk verify --repo "$2" --state "s$n" >out 2>err
	st=$?
	is "$st" 1 "$1: hardenkit index verify refuses (exit 1)"
	line=$(cat err)
	[ "$(wc -l <err)" = 1 ] && case $line in "$2/metadata/$3: error: "*) true ;; *) false ;; esac &&
		echo "$line" | grep -Eq "$4"
	ok $? "$1: one line naming the file and what failed: $line"
	is "$(state_sum "s$n")" "$before" "$1: hardenkit's state unchanged"
	serve "$2"
	tbefore=$(state_sum "t$n")
	tufjs "t$n" main/h/hello_2.10-3_arm64.deb >out 2>err
	st=$?
	[ $st = 1 ] && grep -q '^refused: ' out && [ ! -e "t$n/tgt/hello_2.10-3_arm64.deb" ]
	ok $? "$1: tuf-js refuses and downloads nothing: $(head -c 200 out)"
}

# 1. a byte changed in the index
cp -a next a1
sed -i 's/"name":"hello"/"name":"hellp"/' a1/metadata/3.targets.json
attack "a byte changed in the index" a1 3.targets.json 'sha256 differs'

# 2. a byte changed in the timestamp (no hash protects it: the signature does)
cp -a next a2
sed -i 's/"version":3/"version":4/g' a2/metadata/timestamp.json
attack "a byte changed in timestamp.json" a2 timestamp.json 'timestamp role: 0 of 1 required signatures'

# 3. rollback: the version-1 timestamp replayed to a client at version 2
cp -a good a3
cp ts1.json a3/metadata/timestamp.json
attack "an older timestamp replayed (rollback)" a3 timestamp.json 'older than the trusted 2 \(rollback\)'

# 4. an older snapshot served under the new name
cp -a next a4
cp next/metadata/2.snapshot.json a4/metadata/3.snapshot.json
attack "an older snapshot replayed (rollback)" a4 3.snapshot.json 'sha256 differs'

# 5. mix-and-match: version 2's targets with version 3's snapshot
cp -a next a5
cp next/metadata/2.targets.json a5/metadata/3.targets.json
attack "targets of one snapshot with another (mix-and-match)" a5 3.targets.json 'sha256 differs'

# 6. freeze: a timestamp that has expired
cp -a good a6
hk build --repo a6 --pool pool --token "$TOKEN_A" --pin-file pin --timestamp-expires 2020-01-01T00:00:00Z >/dev/null
attack "an expired timestamp (freeze)" a6 timestamp.json 'expired at 2020-01-01T00:00:00Z'

# 7. an index signed by a key the master never certified: an attacker's own master and token key
hk keys --master evil.key --passphrase-file pass --token "pkcs11:token=release;object=evil?module-path=$SOFTHSM_MODULE" \
	--pin-file pin --public-out evil.pub >/dev/null
mkdir -p evil/metadata && cp -a good/targets evil/
hk certify --repo evil --master evil.key --passphrase-file pass --subkey evil.pub >/dev/null
cp good/metadata/timestamp.json evil/metadata/ # so that evil's next version is 3
hk build --repo evil --pool pool --token "pkcs11:token=release;object=evil?module-path=$SOFTHSM_MODULE" --pin-file pin >/dev/null
cp -a good a7
cp evil/metadata/timestamp.json evil/metadata/3.snapshot.json evil/metadata/3.targets.json a7/metadata/
attack "an index signed by a key the master never certified" a7 timestamp.json 'timestamp role: 0 of 1 required'

# 8. a new root not signed by the old root's key
cp -a good a8
hk certify --repo a8 --master evil.key --passphrase-file pass --subkey evil.pub >/dev/null
attack "a new root not signed by the old one" a8 2.root.json 'root role: 0 of 1 required'

# 9. one key's signature counted twice toward a threshold of 2 (root 2 is real: the master signs it)
cp -a next a9
forge good/metadata/1.root.json a9/metadata/2.root.json "s['version']=2; s['roles']['timestamp']['threshold']=2" --sign master.key pass &&
forge next/metadata/timestamp.json a9/metadata/timestamp.json "" --keep-signatures --sigs "doc['signatures'] = doc['signatures'] * 2"
ok $? "forged: root 2 (timestamp threshold 2, signed by the master) and a timestamp with its one signature twice"
attack "one key's signature counted twice toward a threshold" a9 timestamp.json 'timestamp role: 1 of 2 required signatures by distinct keys'

# 10. unknown key types and signature schemes
cp -a next a10
forge good/metadata/1.root.json a10/metadata/2.root.json \
	"s['version']=2; s['keys']['f'*64]={'keytype':'rsa-pkcs1v15','scheme':'rsa-pkcs1v15-md5','keyval':{'public':'00'}}; s['roles']['timestamp']['keyids']=['f'*64]" \
	--sign master.key pass &&
	forge next/metadata/timestamp.json a10/metadata/timestamp.json "" --keep-signatures --sigs "doc['signatures'][0]['keyid']='f'*64"
ok $? "forged: root 2 naming an rsa-pkcs1v15-md5 key for the timestamp role, signed by the master"
attack "an unknown key type and signature scheme" a10 timestamp.json 'unknown key type or signature scheme'

# 11. non-canonical JSON: a real number in the signed part (canonical JSON has none)
cp -a next a11
forge next/metadata/timestamp.json a11/metadata/timestamp.json "s['spec_version_minor']=1.5" --keep-signatures
ok $? "forged: a timestamp with a real number in its signed part"
attack "a real number in the signed part (non-canonical JSON)" a11 timestamp.json 'real number'

# 12. size limits: a 1 GB timestamp (sparse: no disk is spent)
cp -a next a12
truncate -s 1G a12/metadata/timestamp.json
attack "a 1 GB timestamp.json (size limit)" a12 timestamp.json 'larger than the 16384 bytes'

# 13. size limits: a 1 GB targets file, past the length the snapshot declares
cp -a next a13
truncate -s 1G a13/metadata/3.targets.json
attack "a 1 GB targets file (size limit)" a13 3.targets.json 'larger than the [0-9]+ bytes'

# 14. truncated JSON
cp -a next a14
head -c 300 next/metadata/timestamp.json >a14/metadata/timestamp.json
attack "a truncated timestamp.json" a14 timestamp.json 'not valid JSON'

# 15. malformed JSON
cp -a next a15
printf '{"signatures": [}\n' >a15/metadata/timestamp.json
attack "a malformed timestamp.json" a15 timestamp.json 'not valid JSON'

# 16. duplicate keys: refused by hardenkit's strict reader (tuf-js's JSON.parse keeps the last one)
cp -a next a16
sed -i 's/"_type":"timestamp"/"_type":"timestamp","_type":"timestamp"/' a16/metadata/timestamp.json
rm -rf s16 && cp -a state s16
hk verify --repo a16 --state s16 >/dev/null 2>err
is "$?" 1 "a duplicate key in timestamp.json: hardenkit refuses"
grep -q 'duplicate object key' err
ok $? "the message says so: $(cat err)"

# the download: version 3 accepted, then the archive swapped, lengthened, or endless
hk verify --repo next --state state >/dev/null
ok $? "hardenkit's client accepts version 3"
f=main/r/redis-server_7.0.15-1_amd64.deb
h=$(sha256sum <"pool/$f" | cut -d' ' -f1)
hk check --state state "pool/$f" >/dev/null
ok $? "index check accepts the real archive"
cp -a next d1
head -c "$(stat -c %s "pool/$f")" /dev/urandom >"d1/targets/main/r/$h.redis-server_7.0.15-1_amd64.deb"
hk check --state state --target "$f" "d1/targets/main/r/$h.redis-server_7.0.15-1_amd64.deb" >/dev/null 2>err
is "$?" 1 "a package swapped for another of the same size: index check refuses"
grep -q 'sha256 differs' err
ok $? "one line: $(cat err)"
serve d1
tufjs tj "$f" >out 2>err
[ $? = 1 ] && [ ! -e "tj/tgt/redis-server_7.0.15-1_amd64.deb" ]
ok $? "tuf-js refuses the swapped package: $(head -c 200 out)"
cp -a next d2
cat "pool/$f" - <<EOF2 >"d2/targets/main/r/$h.redis-server_7.0.15-1_amd64.deb"
more bytes than the index declares
EOF2
hk check --state state --target "$f" "d2/targets/main/r/$h.redis-server_7.0.15-1_amd64.deb" >/dev/null 2>err
is "$?" 1 "a longer package: index check refuses"
grep -q 'longer than the' err
ok $? "one line: $(cat err)"
serve d2
tufjs tj "$f" >out 2>err
[ $? = 1 ] && [ ! -e "tj/tgt/redis-server_7.0.15-1_amd64.deb" ]
ok $? "tuf-js refuses the longer package: $(head -c 200 out)"
# endless data: a pipe that never ends; check must stop by itself past the declared size
mkfifo endless
yes >endless 2>/dev/null &
yes_pid=$!
hk check --state state --target "$f" endless >/dev/null 2>err
st=$?
kill "$yes_pid" 2>/dev/null
is "$st" 1 "endless data: index check stops past the declared size and refuses"
grep -q 'endless data' err
ok $? "one line: $(cat err)"

# the token at signing time: absent, wrong PIN, PIN in the URI, a readable PIN file
repo_sum() { (cd "$1" && find . -type f | sort | xargs sha256sum) | sha256sum; }
before=$(repo_sum next)
( umask 077; printf '000000\n' >badpin )
hk build --repo next --pool pool --token "$TOKEN_A" --pin-file badpin >/dev/null 2>err
is "$?" 1 "a wrong PIN: index build fails"
is "$(cat err)" "hardenkit: error: token: wrong PIN" "one line says so"
hk build --repo next --pool pool --token "pkcs11:token=absent;object=release-a?module-path=$SOFTHSM_MODULE" --pin-file pin >/dev/null 2>err
is "$?" 1 "an absent token: index build fails"
grep -q 'no token matches' err
ok $? "one line: $(cat err)"
hk build --repo next --pool pool --token "$TOKEN_A&pin-value=123456" >/dev/null 2>err
is "$?" 1 "a PIN inside the URI (argv) is refused"
grep -q 'pin-value is refused' err
ok $? "one line: $(cat err)"
cp pin pin-readable && chmod 644 pin-readable
hk build --repo next --pool pool --token "$TOKEN_A" --pin-file pin-readable >/dev/null 2>err
is "$?" 1 "a PIN file others can read is refused"
hk build --repo next --pool pool --token "pkcs11:token=release;object=release-a?module-path=$work/no-such-module.so" --pin-file pin >/dev/null 2>err
is "$?" 1 "a missing PKCS#11 module: index build fails"
is "$(repo_sum next)" "$before" "after every failed signing, the repository is byte for byte as it was"
note "SoftHSM2 2.6.1 has no PIN retry counter, so a locked token (CKR_PIN_LOCKED) cannot be made here"
done_testing
