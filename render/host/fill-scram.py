import base64, hashlib, hmac, json, os, re, stringprep, sys, unicodedata

def saslprep(s):
    # As PostgreSQL's pg_saslprep, which libpq applies too: ASCII is used as it is; otherwise RFC 4013,
    # and a password SASLprep rejects is used raw.
    if s.isascii():
        return s
    t = unicodedata.normalize("NFKC", "".join(" " if stringprep.in_table_c12(c) else c for c in s if not stringprep.in_table_b1(c)))
    banned = (stringprep.in_table_c12, stringprep.in_table_c21_c22, stringprep.in_table_c3, stringprep.in_table_c4, stringprep.in_table_c5,
              stringprep.in_table_c6, stringprep.in_table_c7, stringprep.in_table_c8, stringprep.in_table_c9, stringprep.in_table_a1)
    if not t or any(f(c) for c in t for f in banned):
        return s
    rtl = [stringprep.in_table_d1(c) for c in t]
    if any(rtl) and (not (rtl[0] and rtl[-1]) or any(stringprep.in_table_d2(c) for c in t)):
        return s
    return t

HASHED = re.compile(r"SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+|md5[0-9a-f]{32}")

def verifier(password):
    if HASHED.fullmatch(password):
        return password
    salt = os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", saslprep(password).encode("utf-8"), salt, 4096)
    client = hmac.new(salted, b"Client Key", "sha256").digest()
    server = hmac.new(salted, b"Server Key", "sha256").digest()
    b64 = lambda b: base64.b64encode(b).decode()
    return "SCRAM-SHA-256$4096:%s$%s:%s" % (b64(salt), b64(hashlib.sha256(client).digest()), b64(server))

secrets = json.load(open(sys.argv[1], encoding="utf-8"))
text = open(sys.argv[2], encoding="utf-8").read()
def fill(m):
    if m.group(2) != "scram":
        sys.exit("error: secret slot %s in SQL must have the format scram, so it becomes a verifier" % m.group(1))
    if m.group(1) not in secrets:
        sys.exit("error: no password for slot %s on stdin" % m.group(1))
    return verifier(secrets[m.group(1)])
sys.stdout.write(re.sub(r"\{\{secret:([A-Za-z0-9_./-]+)(?:\|([a-z]+))?\}\}", fill, text))
