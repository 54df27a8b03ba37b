#!/usr/bin/env python3
# index-forge.py: what an attacker holding a copy of the repository (and, for the root cases,
# what a careless master-key holder) could write, for tests/index-attacks.t. Edits the signed
# part of a TUF document with a Python statement on `s`, and re-signs it with an Ed25519 key
# through openssl pkeyutl, or leaves the signatures alone (--keep-signatures).
# Usage: index-forge.py IN OUT STATEMENT [--sign KEYFILE PASSFILE | --keep-signatures] [--sigs STATEMENT]
import json
import subprocess
import sys
import tempfile

src, dst, stmt = sys.argv[1:4]
args = sys.argv[4:]
doc = json.load(open(src))
s = doc["signed"]
exec(stmt, {}, {"s": s, "doc": doc})
if args[:1] == ["--sign"]:
    key, passfile = args[1:3]
    args = args[3:]
    # canonical JSON for this ASCII-only, control-character-free document
    msg = json.dumps(s, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    # Ed25519 signs in one shot, and openssl 3.0 wants a file it can size for that
    with tempfile.NamedTemporaryFile() as f:
        f.write(msg)
        f.flush()
        sig = subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", key, "-passin", "file:" + passfile,
                              "-in", f.name], capture_output=True, check=True).stdout
    doc["signatures"] = [{"keyid": s["roles"]["root"]["keyids"][0], "sig": sig.hex()}]
elif args[:1] == ["--keep-signatures"]:
    args = args[1:]
if args[:1] == ["--sigs"]:
    exec(args[1], {}, {"s": s, "doc": doc})
open(dst, "w").write(json.dumps(doc, sort_keys=True, separators=(",", ":")))
