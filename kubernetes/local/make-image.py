#!/usr/bin/env python3
"""Pack a rootfs directory into a docker-archive tar that `ctr images import` accepts.

usage: make-image.py ROOTFS REF OUT.tar ENTRYPOINT_JSON [CMD_JSON]
Deterministic: owner root, mtime 0, sorted entries (same input -> same image id).
"""
import hashlib
import io
import json
import os
import sys
import tarfile


def pack_layer(rootfs: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for dirpath, dirnames, filenames in os.walk(rootfs):
            dirnames.sort()
            for name in sorted(dirnames) + sorted(filenames):
                full = os.path.join(dirpath, name)
                ti = t.gettarinfo(full, arcname=os.path.relpath(full, rootfs))
                ti.uid = ti.gid = 0
                ti.uname = ti.gname = "root"
                ti.mtime = 0
                if ti.isreg():
                    with open(full, "rb") as f:
                        t.addfile(ti, f)
                else:
                    t.addfile(ti)
    return buf.getvalue()


def main() -> None:
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    rootfs, ref, out, entrypoint = sys.argv[1:5]
    cmd = json.loads(sys.argv[5]) if len(sys.argv) > 5 else None
    layer = pack_layer(rootfs)
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "1970-01-01T00:00:00Z",
        "config": {
            "Entrypoint": json.loads(entrypoint),
            "Cmd": cmd,
            "WorkingDir": "/",
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        },
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "make-image.py"}],
    }
    cfg = json.dumps(config, sort_keys=True).encode()
    cfg_name = hashlib.sha256(cfg).hexdigest() + ".json"
    layer_name = diff_id[7:] + "/layer.tar"
    manifest = json.dumps([{"Config": cfg_name, "RepoTags": [ref], "Layers": [layer_name]}]).encode()
    with tarfile.open(out, "w") as t:
        for name, data in ((layer_name, layer), (cfg_name, cfg), ("manifest.json", manifest)):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = 0
            t.addfile(ti, io.BytesIO(data))
    print(out, ref, len(layer), "bytes layer")


if __name__ == "__main__":
    main()
