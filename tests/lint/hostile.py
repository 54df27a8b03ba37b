#!/usr/bin/python3
# hostile.py KIND OUT: writes one hostile or broken archive for tests/lint-hostile.t.
# Python's tarfile writes the member names, types and sizes that tar(1) refuses to create.
import io, sys, tarfile

kind, out = sys.argv[1], sys.argv[2]

def member(tf, name, data=b"x\n", **kw):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    for k, v in kw.items():
        setattr(ti, k, v)
    tf.addfile(ti, io.BytesIO(data) if ti.type == tarfile.REGTYPE else None)

class Zeros(io.RawIOBase):
    """An endless stream of zero bytes, read in blocks: a bomb needs no disk."""
    def readable(self):
        return True

    def readinto(self, b):
        b[:] = bytes(len(b))
        return len(b)

if kind == "traversal":
    with tarfile.open(out, "w:gz") as tf:
        member(tf, "etc/ok.conf")
        member(tf, "etc/../../escaped")
elif kind == "absolute":
    with tarfile.open(out, "w:gz", format=tarfile.GNU_FORMAT) as tf:
        member(tf, "/etc/cron.d/evil")
elif kind == "symlink-escape":
    with tarfile.open(out, "w:gz") as tf:
        member(tf, "etc/passwd-link", b"", type=tarfile.SYMTYPE, linkname="../../../../etc/passwd", size=0)
elif kind == "beneath-symlink":
    with tarfile.open(out, "w:gz") as tf:
        member(tf, "etc/cron.d", b"", type=tarfile.SYMTYPE, linkname="/tmp", size=0)
        member(tf, "etc/cron.d/evil", b"* * * * * root true\n")
elif kind == "device":
    with tarfile.open(out, "w:gz") as tf:
        member(tf, "dev/sda", b"", type=tarfile.BLKTYPE, devmajor=8, devminor=0, size=0)
elif kind == "bomb":
    # 200 MiB of zeros: past the 64 MiB floor, the ratio to the compressed size is thousands
    with tarfile.open(out, "w:xz", preset=1) as tf:
        ti = tarfile.TarInfo("usr/share/fixture/zeros")
        ti.size = 200 << 20
        tf.addfile(ti, io.BufferedReader(Zeros()))
elif kind == "huge-header":
    # a header that declares 16 GiB and no data behind it
    buf = io.BytesIO()
    ti = tarfile.TarInfo("usr/share/fixture/huge")
    ti.size = 16 << 30
    buf.write(ti.tobuf(format=tarfile.GNU_FORMAT))
    with open(out, "wb") as f:
        f.write(buf.getvalue() + bytes(1024))
else:
    sys.exit("unknown kind " + kind)
