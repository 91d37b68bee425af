import json, os, ssl, subprocess, sys, time, urllib.request
old, prefix, cafile = sys.argv[1], sys.argv[2], sys.argv[3]
tls = ssl.create_default_context(cafile=cafile)
def etcd(*args):
    # The cluster's Patroni user's credentials come in the environment (the caller sources them), never as arguments.
    endpoints = ",".join("https://" + e for e in old.split(","))
    r = subprocess.run(["etcdctl", "--endpoints=" + endpoints, "--command-timeout=5s", *args], env={**os.environ, "ETCDCTL_API": "3"}, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit("error: the DCS being left (%s) does not answer: %s. Without it the cluster cannot be paused for the move; if it is gone for good, Patroni has already demoted the leader: see the README (S12)." % (old, r.stderr.strip()))
    return r.stdout
config = json.loads(etcd("get", prefix + "config", "--print-value-only") or "{}")
if not config.get("pause"):
    config["pause"] = True
    etcd("put", prefix + "config", json.dumps(config, separators=(",", ":")))
    print("paused the cluster in the DCS being left")
urls = [json.loads(v)["api_url"] for v in etcd("get", "--prefix", prefix + "members/", "--print-value-only").splitlines() if v.strip()]
deadline = time.time() + 60
for url in urls:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5, context=tls) as r:
                if json.load(r).get("pause"):
                    break
        except OSError:
            pass
        if time.time() > deadline:
            sys.exit("error: %s did not report the pause within 60s; nothing was moved yet, run pulumi up again" % url)
        time.sleep(1)
print("%d members paused" % len(urls))
