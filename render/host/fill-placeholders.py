# The placeholder filler of the step library (render/hostLibrary.ts): argv[1] the secrets JSON (slot -> value), argv[2]
# a text; prints the text with each secret placeholder (render/placeholders.ts) replaced by its value, escaped for its format.
import json, re, sys
from urllib.parse import quote
def yaml(v):
    return "".join("\\" + c if c in "\\\"" else c if " " <= c <= "~" else "\\u%04x" % ord(c) if ord(c) < 0x10000 else "\\U%08x" % ord(c) for c in v)
FORMATS = {
    "yaml": yaml,
    "userlist": lambda v: v.replace("\"", "\"\""),
    "haproxy": lambda v: v.replace(chr(39), chr(39) + "\\" + chr(39) + chr(39)),
    "env": lambda v: "".join("\\" + c if c in "\\\"$" + chr(96) else c for c in v),
    "pgpass": lambda v: v.replace("\\", "\\\\").replace(":", "\\:"),
    "url": lambda v: quote(v, safe=""),
    "raw": lambda v: v,
}
secrets = json.load(open(sys.argv[1], encoding="utf-8"))
def fill(m):
    slot, form = m.group(1), m.group(2)
    if form is None:
        sys.exit("error: secret slot %s has no format, so it cannot be written safely into a file" % slot)
    if form not in FORMATS:
        sys.exit("error: secret slot %s has an unknown format %s (known: %s)" % (slot, form, ", ".join(FORMATS)))
    if slot not in secrets:
        sys.exit("error: no value for secret slot %s on stdin" % slot)
    return FORMATS[form](secrets[slot])
text = open(sys.argv[2], encoding="utf-8").read()
sys.stdout.buffer.write(re.sub(r"\{\{secret:([A-Za-z0-9_./-]+)(?:\|([a-z]+))?\}\}", fill, text).encode("utf-8"))
