// Every e2e file ends by waiting for the background checks still running (helpers/engine.ts): a failed one fails the
// file, even when no later engine run of that stack came to wait for it.
import { settleChecks } from "./engine";

afterAll(() => settleChecks(), 600_000);
