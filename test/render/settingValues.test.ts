// An accepted setting value reaches Patroni unchanged: patroni.yml (YAML 1.1) and the DCS config (JSON) read back the same.
import { parse } from "yaml";
import { loadInventory } from "../../config/load";
import { patroniDcsConfig, renderPatroniYml } from "../../render/patroni";
import { pinHostKeys } from "../helpers/inventoryFixtures";

const tricky = { "pigsty.quote": "a'b\\c # d", "pigsty.colon": "x: y, [z]", "pigsty.words": "on", work_mem: 65536, jit: false };

test("tricky one-line values survive patroni.yml and the DCS config", () => {
  const { model } = loadInventory(
    pinHostKeys({
      infra: { ip: "10.10.10.10" },
      dcs: { servers: { "meta-1": "10.10.10.10" } },
      clusters: { "pg-test": { hosts: { "10.10.10.11": { pg_seq: 1, pg_role: "primary" } }, vars: { pg_parameters: tricky } } },
    }),
  );
  const c = model.clusters[0];
  const yml = parse(renderPatroniYml(model, c, c.instances[0]), { version: "1.1" }) as { bootstrap: { dcs: { postgresql: { parameters: Record<string, unknown> } } } };
  expect(yml.bootstrap.dcs.postgresql.parameters).toMatchObject(tricky);
  const dcs = JSON.parse(JSON.stringify(patroniDcsConfig(c))) as { postgresql: { parameters: Record<string, unknown> } };
  expect(dcs.postgresql.parameters).toMatchObject(tricky);
});
