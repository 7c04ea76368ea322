#!/usr/bin/env python3
"""Removes the arguments of this machine's own control processes from fixture archives.

   scripts/scrub-fixture-cmdlines.py ARCHIVE...

The machine the fixtures are made on runs control processes of its own (`process_api`,
`binary_backend`) whose arguments are no part of the node under test: they are cut to the
program name in sos's ps outputs whose last column is the command line (a .tar.xz sosreport) and in the command lines of a nodesnap
snapshot's process bundles (a .tar.gz), and nothing else changes. Used by make-sos-fixtures.sh.
"""
import io
import re
import sys
import tarfile

PROGRAMS = re.compile(rb"(\S*(?:binary_backend|process_api))[ \t][^\n]*")


def scrub_text(data):
    return PROGRAMS.sub(lambda m: m.group(1), data)


def scrub_bundle(data):
    out, at = bytearray(), 0
    while at < len(data):
        end = data.index(b" <==\n", at)
        header = data[at + 4:end]
        name, length = header.rsplit(b" ", 1)
        start = end + 5
        content = data[start:start + int(length)]
        if name == b"cmdline":
            argv = content.split(b"\0")
            if argv and re.search(rb"(binary_backend|process_api)$", argv[0]):
                content = argv[0] + b"\0"
        out += b"==> " + name + b" " + str(len(content)).encode() + b" <==\n" + content + b"\n"
        at = start + int(length) + 1
    return bytes(out)


def rewrite(path):
    mode = "xz" if path.endswith(".xz") else "gz"
    with tarfile.open(path, "r:" + mode) as source:
        members = [(m, source.extractfile(m).read() if m.isfile() else None) for m in source]
    changed = 0
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:" + mode, format=tarfile.GNU_FORMAT) as target:
        for member, data in members:
            if data is not None:
                # Only tables whose last column is the command line: in `ps axo ...,comm,cgroup`
                # the program's name is followed by its cgroups, which stay.
                command_last = "/sos_commands/process/" in member.name and not member.name.endswith("_cgroup")
                if command_last:
                    new = scrub_text(data)
                elif member.name.endswith("nodesnap-files.txt") and "/root/proc/" in member.name:
                    new = scrub_bundle(data)
                else:
                    new = data
                changed += new != data
                member.size = len(new)
                target.addfile(member, io.BytesIO(new))
            else:
                target.addfile(member)
    with open(path, "wb") as out:
        out.write(buffer.getvalue())
    print(f"{path}: {changed} files scrubbed")


for archive in sys.argv[1:]:
    rewrite(archive)
