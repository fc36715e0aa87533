// The chaos run's figures as the lines `npm run chaos` prints (and the test shows when it fails).
import { REQUEST_TIMEOUT_MS, type ChaosFigures } from './chaos-run';

export function chaosReport(f: ChaosFigures): string[] {
  const e = f.effects;
  const other =
    Object.entries(f.other5xx)
      .map(([s, n]) => `${s} x${n}`)
      .join(', ') || 'none';
  const histogram = Object.entries(e.eventsPerGrant)
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([k, n]) => `${k}x: ${n}`)
    .join(', ');
  return [
    'phases: answers to the POST /v1/orders/ sent in each, by status, and the slowest answer:',
    ...f.phases.map(
      (p) =>
        `  ${p.phase.padEnd(24)} ${(p.ms / 1000).toFixed(1).padStart(6)} s  ${JSON.stringify(p.statuses)}, slowest ${(p.maxLatencyMs / 1000).toFixed(1)} s`,
    ),
    `purchases sent                 ${f.sent}`,
    `purchases accepted (2xx)       ${f.accepted}`,
    `answered 503                   ${f.unavailable503}`,
    `5xx other than 503             ${f.other5xxTotal} (${other})`,
    `answered 4xx                   ${f.client4xx}`,
    `no answer                      ${f.noAnswer} (${f.timedOut} of them ${REQUEST_TIMEOUT_MS / 1000} s without an answer)`,
    `orders committed               ${f.ordersCommitted} (accepted but not committed: ${f.acceptedButLost})`,
    `grants expected                ${e.expected} (${f.ordersCommitted} orders x ${f.benefitsPerOrder} benefits)`,
    `grants granted (rows)          ${e.grantedRows}`,
    `benefit_grant.created webhook  per grant ${histogram || 'none'}; ${e.distinctEvents} events in ${e.deliveries} deliveries` +
      ` (${e.deliveries - e.distinctEvents} redeliveries of an event already delivered), ${e.strayEvents} for unknown grants`,
    `granted exactly once           ${e.once}`,
    `duplicates                     ${e.duplicates}`,
    `missing                        ${e.missing}`,
    `settled                        ${f.settledAfterMs === null ? 'NO (gave up waiting)' : `${(f.settledAfterMs / 1000).toFixed(1)} s after the last purchase answered`}`,
    e.once === e.expected && e.duplicates === 0 && f.other5xxTotal === 0 && f.noAnswer === 0 && f.acceptedButLost === 0
      ? 'RESULT: every grant exactly once, no 5xx other than 503'
      : 'RESULT: NOT every grant exactly once or a 5xx other than 503 / no answer (see above)',
  ];
}
