#!/usr/bin/env bash
# Rewrites comments that cite CompreFace's behaviour by a section of an external spec ("spec §1.7", "spec §2.2–§2.4",
# "(spec §1.6, §1.8)", "spec §5 item 12") so that they point at the matching section of docs/compreface-behaviour.md
# instead ("docs/compreface-behaviour.md#recognize"), because comments must not point outside the repository.
#
# Idempotent: a rewritten reference no longer matches, so running it again changes nothing. Re-run it after merging
# branches that add or move such comments:   tools/rewrite-spec-refs.sh        (rewrites in place, lists the files)
#                                             tools/rewrite-spec-refs.sh --check (changes nothing; exit 1 if any left)
# A section number without a known heading is reported and left as it is (exit 2): add the section to
# docs/compreface-behaviour.md and its anchor to the table below.
set -euo pipefail
cd "$(dirname "$0")/.."

python3 - "$@" <<'PY'
import pathlib, re, sys

check = "--check" in sys.argv[1:]
doc = "docs/compreface-behaviour.md"

# Section of the former external spec -> heading anchor in docs/compreface-behaviour.md.
anchors = {
    "0": "what-a-client-sees",
    "1": "face-api", "1.1": "conventions", "1.2": "common-parameters", "1.3": "image-input", "1.4": "face-object",
    "1.5": "subjects", "1.6": "examples", "1.7": "recognize", "1.8": "verify-against-a-stored-example",
    "1.9": "embedding-endpoints", "1.10": "detection", "1.11": "verification", "1.12": "utility-endpoints",
    "1.13": "errors",
    "2": "admin-api", "2.1": "admin-sessions", "2.2": "roles-and-permissions", "2.3": "users", "2.4": "applications",
    "2.5": "services", "2.6": "admin-status-and-config", "2.7": "admin-error-codes", "2.8": "seed-data",
    "3": "inner-behaviour", "3.1": "detection-pipeline", "3.2": "similarity", "3.3": "ranking",
    "3.4": "storage-of-examples", "3.5": "face-object", "3.6": "storage-of-examples", "3.7": "storage-of-examples",
    "3.8": "inner-behaviour", "3.9": "statistics", "3.10": "utility-endpoints", "3.11": "inner-behaviour",
    "5": "quirks-kept-on-purpose", "5 item 10": "services", "5 item 12": "statistics",
}

unknown = []

def ref(section, where):
    anchor = anchors.get(section) or anchors.get(section.split(" ")[0])
    if anchor is None:
        unknown.append(f"{where}: §{section}")
        return None
    return f"{doc}#{anchor}"

SECTION = r"(\d+(?:\.\d+)?)(?: item (\d+))?"
# "spec §2.2–§2.4" (a range of consecutive subsections)
range_re = re.compile(r"\bspec §(\d+)\.(\d+)[–-]§\1\.(\d+)")
# "spec §1.7", "spec §5 item 12"
spec_re = re.compile(r"\b(?:the )?spec(?:'s)? §" + SECTION)
# a bare "§1.8" later on a line that already cites the behaviour document ("(spec §1.6, §1.8)")
bare_re = re.compile(r"(?<![\w.])§" + SECTION)

def rewrite_line(line, where):
    if "§" not in line and "spec" not in line and "MANIFEST" not in line:
        return line

    def expand_range(m):
        major, first, last = m.group(1), int(m.group(2)), int(m.group(3))
        refs = [ref(f"{major}.{n}", where) for n in range(first, last + 1)]
        return m.group(0) if None in refs else ", ".join(refs)

    def single(m):
        section = m.group(1) + (f" item {m.group(2)}" if m.group(2) else "")
        r = ref(section, where)
        return m.group(0) if r is None else r

    new = range_re.sub(expand_range, line)
    new = re.sub(r"\b(?:the )?spec recommends", doc + "#conventions recommends", new)
    new = re.sub(r"<c>spec/orleans-adonet-contract\.md</c> \(docs/decisions/0010(?:-orleans-adonet-schema\.md)?\)",
                 "Orleans' ADO.NET contract as docs/decisions/0010-orleans-adonet-schema.md records it", new)
    new = spec_re.sub(single, new)
    if doc in new and bare_re.search(new):
        # Only on a line that cites the document: other "§" (a model manifest, the Orleans contract) are not ours.
        new = re.sub(r"(?<![\w.])§" + SECTION, single, new)
    if not where.split(":")[0].endswith(".md"):
        # In code, the models' provenance is the README's model table, not the manifest beside the unversioned files.
        new = re.sub(r"(?:shared/models/)?MANIFEST(?:\.md)? §\d+", "README.md#models", new)
    return new

roots = ["src", "tests", "docs/decisions", "deploy"]
suffixes = {".cs", ".js", ".html", ".css", ".md", ".sql", ".yaml", ".yml", ".sh", ".props", ".csproj"}
files = [pathlib.Path("README.md")]
for root in roots:
    if pathlib.Path(root).is_dir():
        files += [p for p in pathlib.Path(root).rglob("*")
                  if p.is_file() and p.suffix in suffixes and not {"bin", "obj", "node_modules"} & set(p.parts)
                  # The convention checker's own samples and patterns must keep the old style.
                  and not str(p).startswith("tests/Conventions.Tests/")]

changed = []
for path in sorted(set(files)):
    text = path.read_text(encoding="utf-8")
    if "§" not in text and "spec" not in text and "MANIFEST" not in text:
        continue
    lines = text.split("\n")
    out = [rewrite_line(l, f"{path}:{i + 1}") for i, l in enumerate(lines)]
    if out != lines:
        changed.append(str(path))
        if not check:
            path.write_text("\n".join(out), encoding="utf-8")

for c in changed:
    print(("would rewrite " if check else "rewrote ") + c)
for u in unknown:
    print(f"unknown section, left as is: {u}", file=sys.stderr)
if unknown:
    sys.exit(2)
if check and changed:
    sys.exit(1)
PY
