// Two costs of Pulumi's Node SDK that the program does without, unless PIGSTY_STACK_FRAMES asks for them back (to
// debug the program itself: PIGSTY_STACK_FRAMES=20).
import * as pulumi from "@pulumi/pulumi";

/** The SDK's own hook: every resource's registration reads the call stack through it (SDK 3.259, resource.ts). */
type WithCallsites = { callsites?: () => unknown[] };

/**
 * 1. The SDK captures a stack trace for every promise it makes, and ts-node maps each frame through the source maps.
 *    Preview of 100 x 3: 53.6 s with 3 frames, 41.5 s with none (10 frames were slower still).
 * 2. Every resource's registration captures the whole call stack (with no limit, whatever Error.stackTraceLimit
 *    says) and the engine stores it in the state: 23 frames per resource, 55 KB of the dev stack's 1 MB state
 *    (docs/performance.md). Without frames, a resource has neither a stack trace nor a source position in the state.
 * Inventory problems are RunErrors, which print without a stack anyway. Returns whether the second took effect.
 */
export function applySdkSettings(frames: number = Number(process.env.PIGSTY_STACK_FRAMES ?? 0)): boolean {
  Error.stackTraceLimit = frames;
  if (frames > 0) return false;
  const resource = pulumi.Resource as unknown as WithCallsites;
  // A newer SDK without this hook keeps its traces: the state is larger, nothing else changes.
  if (typeof resource.callsites !== "function") return false;
  resource.callsites = () => [];
  return true;
}
