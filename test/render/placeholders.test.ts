// Placeholders stand in for every password: listed, filled on demand, and no secret ever rendered.
import { etcdFiles, instanceFiles, monitoringFiles, targetFiles } from "../../render/files";
import { placeholdersIn } from "../../render/placeholders";
import { fillPlaceholders } from "../helpers/fillPlaceholders";
import { pgTest } from "../helpers/inventoryFixtures";

test("placeholdersIn lists unique slots in order; fillPlaceholders substitutes them", () => {
  const text = "a {{secret:pg-test/monitor|url}} b {{secret:pg-test/user/x|yaml}} c {{secret:pg-test/monitor|url}}";
  expect(placeholdersIn(text)).toEqual(["pg-test/monitor", "pg-test/user/x"]);
  expect(fillPlaceholders(text, { "pg-test/monitor": "m", "pg-test/user/x": "u" })).toBe("a m b u c m");
});

test("fillPlaceholders refuses to leave a placeholder unfilled", () => {
  expect(() => fillPlaceholders("{{secret:a|env}} {{secret:b|env}}", { a: "1" })).toThrow("No value for secret slot(s): b");
});

test("no rendered file of pg-test contains a password, and every placeholder is a known slot", () => {
  const { model, secrets } = pgTest();
  const cluster = model.clusters[0];
  const texts = [
    ...cluster.instances.flatMap((i) => Object.values(instanceFiles(model, cluster, i))),
    ...Object.values(monitoringFiles(model)),
    ...model.scrapeTargets.flatMap((t) => Object.values(targetFiles(model, t))),
    ...model.dcs.members.flatMap((m) => Object.values(etcdFiles(model.dcs, m.name))),
  ];
  const values = Object.values(secrets).filter((v): v is string => v !== undefined);
  expect(values.length).toBeGreaterThan(0);
  for (const text of texts) {
    for (const v of values) expect(text).not.toContain(v);
    for (const s of placeholdersIn(text)) expect(Object.keys(secrets)).toContain(s);
  }
});

test("every placeholder in a rendered file carries the format of its file, so the host escapes the password", () => {
  const { model } = pgTest();
  const cluster = model.clusters[0];
  const files = { ...instanceFiles(model, cluster, cluster.instances[0]), ...monitoringFiles(model), ...targetFiles(model, model.scrapeTargets[0]), ...etcdFiles(model.dcs, "meta-1") };
  const found = Object.entries(files).flatMap(([path, text]) => [...text.matchAll(/\{\{secret:[^}]*\}\}/g)].map((m) => `${path} ${m[0].replace(/:[^|}]*/, ":")}`));
  expect([...new Set(found)].sort()).toEqual([
    "/etc/default/prometheus-postgres-exporter {{secret:|env}}",
    "/etc/haproxy/haproxy.cfg {{secret:|haproxy}}",
    "/etc/pgbouncer/userlist.txt {{secret:|userlist}}",
    "/pg/bin/patroni.yml {{secret:|yaml}}",
  ]);
});
