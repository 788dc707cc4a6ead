#!/usr/bin/env python3
"""Independent reader for the Python lockfile tests: prints the (name, version) set of one lockfile as JSON.

Written against the formats' own documents with Python's standard library only (tomllib, json, re), sharing
no code with the TypeScript readers, so that a test comparing the two catches a misread package. Packages that
are the project itself (uv/poetry/pylock directory, editable and virtual sources) are left out; VCS and URL
packages are kept with the version the file records ('' when none).

usage: reference_reader.py FORMAT FILE      FORMAT: requirements | pylock | uv | poetry | pipfile
"""
import json
import os
import re
import sys
import tomllib


def norm(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(path, seen=None):
    # pip's rules: backslash continuation, comments at line start or after whitespace, -r includes.
    seen = seen if seen is not None else set()
    real = os.path.realpath(path)
    if real in seen:
        return set()
    seen.add(real)
    out = set()
    with open(path, encoding="utf-8") as f:
        text = f.read().replace("\\\n", "")
    for raw in text.splitlines():
        line = re.split(r"(?:^|\s)#", raw, maxsplit=1)[0].strip()
        if not line:
            continue
        m = re.match(r"^(?:-r|--requirement)[\s=]+(\S+)", line)
        if m:
            out |= requirements(os.path.join(os.path.dirname(path), m.group(1)), seen)
            continue
        if line.startswith("-"):
            continue
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*@\s*\S+", line)
        if m:  # PEP 508 direct reference: no version recorded
            out.add((norm(m.group(1)), ""))
            continue
        m = re.match(r"^(?:https?|file)://\S*/([A-Za-z0-9][A-Za-z0-9._]*)-([0-9][^-]*)-[^/]*\.whl$", line)
        if m:  # a wheel URL: PEP 427 file name
            out.add((norm(m.group(1)), m.group(2)))
            continue
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*===?\s*([^\s;,\\]+)\s*(?:;|--|$)", line)
        if m and "*" not in m.group(2):
            out.add((norm(m.group(1)), m.group(2)))
    return out


def pylock(path):
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    return {(norm(p["name"]), p.get("version", "")) for p in doc.get("packages", []) if "directory" not in p}


def uv(path):
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    local = ("editable", "virtual", "directory")
    out = set()
    for p in doc.get("package", []):
        src = p.get("source", {})
        if any(k in src for k in local) or ("path" in src and not re.search(r"\.(whl|tar\.gz|zip)$", src["path"])):
            continue
        out.add((norm(p["name"]), p.get("version", "")))
    return out


def poetry(path):
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    return {(norm(p["name"]), p["version"]) for p in doc.get("package", []) if p.get("source", {}).get("type") != "directory"}


def pipfile(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    out = set()
    for section in ("default", "develop"):
        for name, e in doc.get(section, {}).items():
            if "path" in e or "file" in e:
                target = e.get("path") or e.get("file")
                if not re.search(r"\.(whl|tar\.gz|zip)$", target):
                    continue
            out.add((norm(name), e.get("version", "").lstrip("=")))
    return out


READERS = {"requirements": requirements, "pylock": pylock, "uv": uv, "poetry": poetry, "pipfile": pipfile}

if __name__ == "__main__":
    fmt, path = sys.argv[1], sys.argv[2]
    print(json.dumps(sorted(READERS[fmt](path))))
