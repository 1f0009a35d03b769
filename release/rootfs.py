#!/usr/bin/env python3
"""make image: write the container image's root file system as one tar file, for release/Containerfile.

The release build is one static executable (glibc, the Swift runtime, Foundation, libedit, SQLite and zlib
linked in), so the image needs no distribution underneath: the binary, the users' and groups' files with
the non-root user tdmock runs as, the name service's order for /etc/hosts and DNS, the CA certificates
its HTTPS clients trust, /data for the inbox (owned by that user, so a new volume is writable) and /tmp.
Owners and modes are set in the tar itself, so no step needs root and the Containerfile needs no RUN.
"""
import argparse
import io
import os
import sys
import tarfile

UID = GID = 10001
# A fixed time for every entry, so the same binary gives the same layer.
MTIME = int(os.environ.get("SOURCE_DATE_EPOCH", "0"))

FILES = {
    "etc/passwd": "root:x:0:0:root:/root:/sbin/nologin\ntdmock:x:10001:10001:tdmock:/data:/sbin/nologin\n",
    "etc/group": "root:x:0:\ntdmock:x:10001:\n",
    # glibc linked statically resolves with its built-in files and dns services only.
    "etc/nsswitch.conf": "passwd: files\ngroup: files\nhosts: files dns\n",
    "etc/hosts": "127.0.0.1 localhost\n::1 localhost\n",
}


def directory(tar, name, mode=0o755, uid=0, gid=0):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.uid, info.gid, info.mtime = tarfile.DIRTYPE, mode, uid, gid, MTIME
    tar.addfile(info)


def file(tar, name, data, mode=0o644):
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), mode, MTIME
    tar.addfile(info, io.BytesIO(data))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tdmock", required=True, help="the static release binary (stripped)")
    parser.add_argument("--ca-certificates", default="/etc/ssl/certs/ca-certificates.crt")
    parser.add_argument("--out", required=True, help="the tar file to write")
    args = parser.parse_args()

    with open(args.tdmock, "rb") as binary:
        head = binary.read(4096)
    if head[:4] != b"\x7fELF" or b"/lib64/ld-linux" in head:
        sys.exit(f"{args.tdmock} is not a static ELF executable: build it with `make build-release`")
    if not os.path.exists(args.ca_certificates):
        sys.exit(f"{args.ca_certificates} is missing: install Debian's ca-certificates")

    with tarfile.open(args.out, "w", format=tarfile.PAX_FORMAT) as tar:
        for name in ["etc", "etc/ssl", "etc/ssl/certs", "usr", "usr/local", "usr/local/bin"]:
            directory(tar, name)
        directory(tar, "tmp", mode=0o1777)
        directory(tar, "data", mode=0o750, uid=UID, gid=GID)
        for name, text in FILES.items():
            file(tar, name, text.encode())
        with open(args.ca_certificates, "rb") as bundle:
            file(tar, "etc/ssl/certs/ca-certificates.crt", bundle.read())
        with open(args.tdmock, "rb") as binary:
            file(tar, "usr/local/bin/tdmock", binary.read(), mode=0o755)
    print(f"{args.out}: {os.path.getsize(args.out) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
