#!/usr/bin/python3
# apk.py OUT CONTROL_DIR DATA_DIR: an Alpine v2 package as abuild makes one: gzip streams
# concatenated, each a tar segment without the end-of-archive blocks (abuild-tar --cut), so
# that the whole reads as one tarball (.PKGINFO and scripts first, then the files).
import gzip, io, os, sys, tarfile

def segment(root):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for dirpath, dirs, files in sorted(os.walk(root)):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(dirpath, name)
                ti = tf.gettarinfo(path, os.path.relpath(path, root))
                ti.uid = ti.gid = 0
                ti.uname = ti.gname = "root"
                with open(path, "rb") as f:
                    tf.addfile(ti, f)
    data = buf.getvalue().rstrip(b"\0")
    return data + bytes(-len(data) % 512)

out, control, data = sys.argv[1:4]
with open(out, "wb") as f:
    for root in (control, data):
        f.write(gzip.compress(segment(root)))
