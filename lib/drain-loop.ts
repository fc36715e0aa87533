// Runs `drain` whenever woken, never twice at once: wakes that arrive during a run coalesce into
// one more run after it. Also runs every `pollMs`, for work no wake announced (a lease that ran
// out, a notification lost while disconnected).
export interface DrainLoop {
  wake(): void;
  /** Stops polling and waits for the run in progress. */
  stop(): Promise<void>;
}

export function drainLoop(
  drain: () => Promise<void>,
  opts: { pollMs: number; onError(err: unknown): void; /** Before each poll's run (e.g. look for every kind of work). */ onPoll?(): void },
): DrainLoop {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  const run = (): void => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await drain().catch(opts.onError);
      } while (again && !stopped);
      running = null;
    })();
  };
  const poll = setInterval(() => {
    opts.onPoll?.();
    run();
  }, opts.pollMs);
  poll.unref();
  return {
    wake: run,
    async stop() {
      stopped = true;
      clearInterval(poll);
      await running;
    },
  };
}
