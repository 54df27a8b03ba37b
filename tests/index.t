#!/bin/sh
# index.t: the signed package index end to end, with real parts: an offline Ed25519 master key
# (encrypted file), release subkeys generated on a SoftHSM2 token (Ed25519 and ECDSA P-256,
# private halves not extractable), a TUF repository over a pool, hardenkit's client and tuf-js
# (an independent TUF client) over HTTP on 127.0.0.1, and a subkey rotation that both refuse.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/index-lib.sh"
tufjs_setup || { echo "Bail out! tuf-js could not be installed (npm ci)"; exit 1; }
cd "$work" || exit 1
make_pool

# keys: master in an encrypted PKCS#8 file only its owner reads, subkey A on the token
hk keys --master master.key --passphrase-file pass --token "$TOKEN_A" --pin-file pin --type ed25519 \
	--public-out a.pub >out 2>err
ok $? "index keys makes the master key and the token subkey"
is "$(stat -c %a master.key)" 600 "the master key file is mode 0600"
grep -q 'BEGIN ENCRYPTED PRIVATE KEY' master.key
ok $? "the master key is written encrypted (PKCS#8)"
openssl pkey -in master.key -passin pass:wrong -noout 2>/dev/null
ok $((! $?)) "openssl cannot open the master key with a wrong passphrase"
openssl pkey -in master.key -passin file:pass -noout -text 2>/dev/null | grep -q ED25519
ok $? "openssl opens it with the passphrase: an Ed25519 key"
hk keys --token "$TOKEN_A" --pin-file pin --type ed25519 --public-out a2.pub >/dev/null 2>err
ok $((! $?)) "a second key with the same label is refused"
hk key-info --token "$TOKEN_A" --pin-file pin >info 2>&1
is "$(sed -n 's/^extractable //p;s/^sensitive //p;s/^value-readable //p' info | tr '\n' ' ')" "false true false " \
	"token subkey A: CKA_EXTRACTABLE false, CKA_SENSITIVE true, CKA_VALUE cannot be read"
is "$(jq -r .keytype a.pub)" ed25519 "subkey A's public key file is a TUF ed25519 key"

# certify and build
hk certify --repo repo --master master.key --passphrase-file pass --subkey a.pub >/dev/null 2>err
ok $? "index certify writes root version 1 signed by the master key"
is "$(jq -r '.signed.version' repo/metadata/1.root.json)" 1 "1.root.json is version 1"
aid=$(jq -r '.signed.roles.targets.keyids[0]' repo/metadata/root.json)
is "$(jq -r '.signed.roles.snapshot.keyids[0] + " " + .signed.roles.timestamp.keyids[0]' repo/metadata/root.json)" \
	"$aid $aid" "the subkey holds the targets, snapshot and timestamp roles"
hk build --repo repo --pool pool --token "$TOKEN_A" --pin-file pin >out 2>err
ok $? "index build signs the pool's index through the token"
grep -q '(3 token signing operations)' out
ok $? "one token operation per metadata file: 3 for targets, snapshot, timestamp"
t=repo/metadata/1.targets.json
for f in main/r/redis-server_7.0.15-1_amd64.deb main/h/hello_2.10-3_arm64.deb nginx-1.22.1-9.x86_64.rpm; do
	want="$(stat -c %s "pool/$f") $(sha256sum <"pool/$f" | cut -d' ' -f1)"
	is "$(jq -r --arg f "$f" '.signed.targets[$f] | "\(.length) \(.hashes.sha256)"' $t)" "$want" "targets lists $f with sha256sum's hash and its size"
done
is "$(jq -c '.signed.targets["main/h/hello_2.10-3_arm64.deb"].custom' $t)" '{"arch":"arm64","name":"hello","version":"2.10-3"}' \
	"a .deb's name, version and architecture"
is "$(jq -c '.signed.targets["nginx-1.22.1-9.x86_64.rpm"].custom' $t)" '{"arch":"x86_64","name":"nginx","version":"1.22.1-9"}' \
	"an .rpm's name, version and architecture"
h=$(sha256sum <pool/main/h/hello_2.10-3_arm64.deb | cut -d' ' -f1)
cmp -s pool/main/h/hello_2.10-3_arm64.deb "repo/targets/main/h/$h.hello_2.10-3_arm64.deb"
ok $? "the target is in the repository under its consistent-snapshot name"

# hardenkit's client, from the pinned root
cp repo/metadata/1.root.json pinned-root.json
hk verify --repo repo --state state --root pinned-root.json >out 2>err
ok $? "index verify accepts the index from the pinned root"
grep -q 'targets 1 (3 packages)' out
ok $? "it reports the accepted version and package count"
hk check --state state pool/main/r/redis-server_7.0.15-1_amd64.deb >out 2>err
ok $? "index check accepts the archive the index lists"

# tuf-js, trusting only root.json, over HTTP
serve repo
mkdir -p tj && cp pinned-root.json tj/root.json
tufjs tj main/r/redis-server_7.0.15-1_amd64.deb >out 2>err
ok $? "tuf-js refreshes and downloads a target from what hardenkit signed" || sed 's/^/# /' out err
is "$(cut -d' ' -f4 out)" "$(sha256sum <pool/main/r/redis-server_7.0.15-1_amd64.deb | cut -d' ' -f1)" \
	"tuf-js's download is the pool's archive"

# a second build: monotonic versions
echo new >>pool/nginx-1.22.1-9.x86_64.rpm
hk build --repo repo --pool pool --token "$TOKEN_A" --pin-file pin >/dev/null 2>err
is "$(jq -r .signed.version repo/metadata/timestamp.json) $(jq -r .signed.version repo/metadata/2.targets.json)" "2 2" \
	"the next build is version 2 of timestamp, snapshot and targets"
hk verify --repo repo --state state >out 2>err
ok $? "index verify moves the client to version 2 (no --root: the state holds it)"

# rotation: subkey B (ECDSA P-256), certified by root version 2; A is refused afterwards
hk keys --token "$TOKEN_B" --pin-file pin --type p256 --public-out b.pub >/dev/null 2>err
ok $? "index keys makes an ECDSA P-256 subkey on the token"
hk key-info --token "$TOKEN_B" --pin-file pin >info 2>&1
is "$(sed -n 's/^extractable //p;s/^sensitive //p;s/^value-readable //p' info | tr '\n' ' ')" "false true false " \
	"token subkey B: not extractable, sensitive, value unreadable"
cp -r repo repo-before-rotation
hk certify --repo repo --master master.key --passphrase-file pass --subkey b.pub >/dev/null 2>err
ok $? "index certify writes root version 2 with subkey B"
hk build --repo repo --pool pool --token "$TOKEN_A" --pin-file pin >/dev/null 2>err
ok $((! $?)) "index build refuses to sign with the revoked subkey A"
grep -q 'is not certified for the targets role' err
ok $? "the refusal says the key is not certified" || sed 's/^/# /' err
hk build --repo repo --pool pool --token "$TOKEN_B" --pin-file pin >/dev/null 2>err
ok $? "index build signs with subkey B"
hk verify --repo repo --state state >out 2>err
ok $? "index verify follows the rotation (root 2, subkey B)" || sed 's/^/# /' err
grep -q 'accepted: root 2' out
ok $? "the client now trusts root version 2"
tufjs tj main/h/hello_2.10-3_arm64.deb >out 2>err
ok $? "tuf-js follows the rotation and verifies the P-256 signatures" || sed 's/^/# /' out err

# subkey A signs an index on the side; the repository then serves it: both clients refuse
cp -r repo-before-rotation repo-a
cp repo/metadata/2.root.json repo/metadata/root.json repo-a/metadata/
echo more >>pool/main/h/hello_2.10-3_arm64.deb
# sign with A against the old root (it still names A), then serve it with the new root
cp repo-before-rotation/metadata/root.json repo-a/metadata/root.json
hk build --repo repo-a --pool pool --token "$TOKEN_A" --pin-file pin --expires-in 30 >/dev/null 2>err
cp repo/metadata/2.root.json repo-a/metadata/root.json
before=$(state_sum state)
hk verify --repo repo-a --state state >out 2>err
ok $((! $?)) "index verify refuses the index signed by the revoked subkey A"
is "$(wc -l <err)" 1 "one line: $(cat err)"
is "$(state_sum state)" "$before" "the client's state is unchanged"
serve repo-a
tufjs tj main/h/hello_2.10-3_arm64.deb >out 2>err
ok $((! $?)) "tuf-js refuses it too: $(cat out)"
done_testing
