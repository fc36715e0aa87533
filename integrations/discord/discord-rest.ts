// discord.js's REST client as every Discord caller here builds it: DISCORD_API_URL as the base
// (a stand-in's in tests), Discord's rate limits waited out up to a bound, 5xx retried.
import { REST, type InternalRequest } from 'discord.js';

export interface DiscordRestSettings {
  /** DISCORD_API_URL, with its version (…/api/v10). */
  apiUrl: string;
  /** Rate limits longer than this are thrown (RateLimitError) instead of waited out. */
  rateLimitMaxWaitMs: number;
}

/** A REST client without a token: the bot sets its own; OAuth calls authenticate per request. */
export function discordRest(settings: DiscordRestSettings): REST {
  // DISCORD_API_URL carries the version (…/api/v10); discord.js wants the base and the version apart.
  const url = settings.apiUrl.replace(/\/+$/, '');
  const versioned = url.match(/^(.*)\/v(\d+)$/);
  return new CallScopedSignalREST({
    api: versioned ? versioned[1] : url,
    version: versioned ? versioned[2] : '10',
    // discord.js waits out rate limits itself (Retry-After, X-RateLimit-Reset-After, the global
    // limit) and retries 5xx; a wait longer than this is thrown as a RateLimitError instead, which
    // callers turn into a retry-after (Temporal honours it; the API answers 503).
    rejectOnRateLimit: (limit) => Math.max(limit.retryAfter, limit.timeToReset) > settings.rateLimitMaxWaitMs,
    retries: 3,
    timeout: 15_000,
  });
}

/**
 * discord.js adds an `abort` listener to the caller's signal for every request it sends and never
 * removes it. Our callers pass one signal for a whole activity (its cancellation), so a drift repair
 * making hundreds of calls piled up hundreds of listeners on it (Node's "possible EventTarget memory
 * leak" warning past ten). Each request here gets its own signal, tied to the caller's only while
 * it runs: cancelling the activity still aborts the call in flight, and nothing is left behind.
 */
class CallScopedSignalREST extends REST {
  override async queueRequest(request: InternalRequest): Promise<Awaited<ReturnType<REST['queueRequest']>>> {
    const outer = request.signal;
    if (!outer) return super.queueRequest(request);
    const call = new AbortController();
    const abort = () => call.abort(outer.reason);
    if (outer.aborted) abort();
    else outer.addEventListener('abort', abort, { once: true });
    try {
      return await super.queueRequest({ ...request, signal: call.signal as InternalRequest['signal'] });
    } finally {
      outer.removeEventListener('abort', abort);
    }
  }
}
