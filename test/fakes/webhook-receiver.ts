// A merchant's webhook endpoint: a local HTTP server that records every request (raw body and
// headers, exactly as received, so signatures can be checked) and answers with scripted statuses.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** When it arrived, by the receiver's clock (the skipped clock in time-skipping tests). */
  at: number;
  /** The status it was answered with ('hang': never answered). */
  answer: number | 'hang';
}

export type Answer = number | 'hang';

export interface ReceiverOptions {
  /** Clock for `at`; defaults to Date.now. */
  clock?: () => number | Promise<number>;
  /** Answer when no scripted answer is left for the path (default 200). */
  defaultAnswer?: Answer;
}

export class WebhookReceiver {
  readonly requests: ReceivedWebhook[] = [];
  private readonly scripts = new Map<string, Answer[]>();
  private readonly hanging = new Set<ServerResponse>();
  private defaultAnswer: Answer;

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly clock: () => number | Promise<number>,
    defaultAnswer: Answer,
  ) {
    this.defaultAnswer = defaultAnswer;
  }

  static async start(opts: ReceiverOptions = {}): Promise<WebhookReceiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const receiver = new WebhookReceiver(server, `http://127.0.0.1:${port}`, opts.clock ?? Date.now, opts.defaultAnswer ?? 200);
    server.on('request', (req, res) => void receiver.handle(req, res));
    return receiver;
  }

  url(path = '/hooks'): string {
    return `${this.baseUrl}${path}`;
  }

  /** The next requests to `path` are answered with these, in order; then the default. */
  script(path: string, ...answers: Answer[]): void {
    this.scripts.set(path, [...(this.scripts.get(path) ?? []), ...answers]);
  }

  setDefaultAnswer(answer: Answer): void {
    this.defaultAnswer = answer;
  }

  received(path: string): ReceivedWebhook[] {
    return this.requests.filter((r) => r.path === path);
  }

  /** Polls until `path` has at least `count` requests. */
  async waitFor(path: string, count: number, timeoutMs = 20_000): Promise<ReceivedWebhook[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received(path).length < count) {
      if (Date.now() > deadline) {
        throw new Error(`receiver got ${this.received(path).length} of ${count} requests on ${path} within ${timeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return this.received(path);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '/').split('?')[0];
    const answer = this.scripts.get(path)?.shift() ?? this.defaultAnswer;
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
    const at = await this.clock();
    this.requests.push({ path, headers, body: Buffer.concat(chunks).toString('utf8'), at, answer });
    if (answer === 'hang') {
      this.hanging.add(res);
      return;
    }
    res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer < 300 ? 'ok' : 'receiver error');
  }
}

/** The parsed envelope of a received webhook. */
export function envelope(r: ReceivedWebhook): { type: string; timestamp: string; data: any } {
  return JSON.parse(r.body);
}

/** The spec component of an event's payload: 'benefit_grant.created' -> 'WebhookBenefitGrantCreatedPayload'. */
export function payloadComponent(type: string): string {
  const pascal = type
    .split(/[._]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  return `Webhook${pascal}Payload`;
}
