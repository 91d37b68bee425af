// HAProxy's view of a cluster for the operator: each backend server's status, from one member's stats CSV.
import { request, type Credentials } from "../patroni/client";

/** HAProxy's view: each backend server's status per service, from the stats CSV of one member. */
export async function haproxyView(url: string, auth?: Credentials): Promise<{ service: string; server: string; status: string; weight: string }[]> {
  const r = await request(`${url};csv`, { auth });
  if (r.status !== 200) throw new Error(`HAProxy stats answered ${r.status}`);
  const [header, ...lines] = r.body.trim().split("\n");
  const cols = header.replace(/^# /, "").split(",");
  const at = (row: string[], name: string) => row[cols.indexOf(name)];
  return lines
    .map((l) => l.split(","))
    .filter((row) => !["FRONTEND", "BACKEND"].includes(at(row, "svname")) && at(row, "pxname") !== "stats")
    .map((row) => ({ service: at(row, "pxname"), server: at(row, "svname"), status: at(row, "status"), weight: at(row, "weight") }));
}
