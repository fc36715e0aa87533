// The provider clients strategies call (storage for downloadables, octokit for GitHub, discord.js
// REST for Discord), built once per process by its root (api/composition.ts, workers/main.ts)
// from config and handed to every strategy call in its context. A type that talks to a provider
// adds its client here and builds it in buildProviders; tests pass their own, pointed at the
// stand-ins under test/fakes. A client is absent when its settings are: the strategy then answers
// 422 naming the missing settings on create, instead of failing at grant time.
import type { Env } from '../config/config';

// Empty until the first provider-backed type lands; each adds one optional member.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface BenefitProviders {}

export function buildProviders(_config: Env): BenefitProviders {
  return {};
}
