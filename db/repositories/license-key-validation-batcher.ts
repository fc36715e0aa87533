// Group validation: plain validations that arrive while a few batches are already in flight wait
// for the next one, so under load one SQL round trip and one commit serve many requests (like a
// database's group commit). Alone, a request goes at once, as a batch of one.
import { VALIDATE_BATCH_SQL } from './license-key-checks.sql';
import type { ValidateInput, ValidateResult } from './license-key-rows';

type Pool = { query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: any[] }> };

interface Pending {
  input: ValidateInput;
  resolve(result: ValidateResult): void;
  reject(err: unknown): void;
}

export interface BatcherOptions {
  /** Batches running at once; more requests wait for the next batch. */
  maxInFlight: number;
  maxBatch: number;
}

export class ValidationBatcher {
  private readonly queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly pool: Pool,
    /** The one-request statement: batches of one, and requests a batch could not settle. */
    private readonly single: (input: ValidateInput) => Promise<ValidateResult>,
    private readonly options: BatcherOptions = { maxInFlight: 4, maxBatch: 64 },
  ) {}

  submit(input: ValidateInput): Promise<ValidateResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight || this.queue.length === 0) return;
    this.scheduled = true;
    // After this turn's I/O callbacks: requests parsed in the same turn share the batch.
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.options.maxInFlight) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight += 1;
      void this.run(batch).finally(() => {
        this.inFlight -= 1;
        this.schedule();
      });
    }
  }

  /** Settles every request of the batch; never rejects. */
  private async run(batch: Pending[]): Promise<void> {
    if (batch.length === 1) return this.alone(batch[0]);
    let rows: any[];
    try {
      rows = (await this.pool.query({ name: 'license_key_validate_batch', text: VALIDATE_BATCH_SQL, values: columns(batch) })).rows;
    } catch {
      // Whatever failed the batch (a deadlock the lock order should prevent, a lost connection), each
      // request still gets its own answer.
      await Promise.all(batch.map((p) => this.alone(p)));
      return;
    }
    const byPosition = new Map(rows.map((r) => [Number(r.n), r]));
    await Promise.all(
      batch.map((p, i) => {
        const row = byPosition.get(i + 1);
        if (!row) return p.resolve({ ok: false, failure: 'not_found' });
        if (row.failure) return p.resolve({ ok: false, failure: row.failure });
        // Passed the checks on the snapshot but the key changed before the write: decide alone.
        if (!row.key) return this.alone(p);
        // Requests for one key in one batch each see their own count, as if they came one by one.
        const key = { ...row.key, validations: row.key.validations - (row.cnt - row.rank), customer: row.customer };
        return p.resolve({ ok: true, key, activation: row.activation ?? null });
      }),
    );
  }

  private async alone(p: Pending): Promise<void> {
    try {
      p.resolve(await this.single(p.input));
    } catch (err) {
      p.reject(err);
    }
  }
}

function columns(batch: Pending[]): unknown[] {
  const pick = <T>(f: (v: ValidateInput) => T) => batch.map((p) => f(p.input));
  return [
    pick((v) => v.organizationId),
    pick((v) => v.key),
    pick((v) => v.activationId),
    pick((v) => JSON.stringify(v.conditions)),
    pick((v) => v.benefitId),
    pick((v) => v.customerId),
  ];
}
