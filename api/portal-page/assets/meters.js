// Meter credits: the balance of the benefit's meter, and usage over the last 30 days as an inline
// SVG bar chart when the API offers daily quantities.
import { formatNumber, h, s } from './dom.js';

export function meterBody(grant, ctx) {
  if (!ctx.meters) return null;
  const meterId = grant.benefit.properties?.meter_id;
  const meter = ctx.meters.find((m) => m.meter_id === meterId);
  if (!meter) return h('p', { class: 'muted' }, 'No usage yet.');
  const wrap = h(
    'div',
    { class: 'meter' },
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Balance'),
      h('dd', { class: 'balance' }, `${formatNumber(meter.balance)} ${meter.meter?.name ?? 'units'}`),
      h('dt', {}, 'Credited'),
      h('dd', {}, formatNumber(meter.credited_units)),
      h('dt', {}, 'Used'),
      h('dd', {}, formatNumber(meter.consumed_units)),
    ),
  );
  if (ctx.features.has('meter-quantities')) {
    const end = new Date();
    const start = new Date(end.getTime() - 30 * 86_400_000);
    const query = `start_timestamp=${start.toISOString()}&end_timestamp=${end.toISOString()}&interval=day`;
    void ctx.api.get(`/meters/${meter.id}/quantities?${query}`).then(
      (data) =>
        data?.quantities &&
        wrap.append(
          h(
            'figure',
            { class: 'usage' },
            usageChart(data.quantities, meter.meter?.name ?? 'Usage'),
            h('figcaption', { class: 'muted' }, `Last 30 days: ${formatNumber(data.total)} used`),
          ),
        ),
      (err) => ctx.onError(err),
    );
  }
  return wrap;
}

/** Bars per day; the chart carries a text alternative (title, description and a total). */
export function usageChart(points, name) {
  const width = 300;
  const height = 80;
  const max = Math.max(1, ...points.map((p) => Number(p.quantity)));
  const barWidth = width / Math.max(points.length, 1);
  const total = points.reduce((sum, p) => sum + Number(p.quantity), 0);
  const titleId = `chart-${Math.random().toString(36).slice(2)}`;
  return s(
    'svg',
    { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': titleId, preserveAspectRatio: 'none' },
    s('title', { id: titleId }, `${name}: ${formatNumber(total)} used in the last 30 days`),
    s('line', { class: 'baseline', x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5 }),
    points.map((p, i) => {
      const barHeight = (Number(p.quantity) / max) * (height - 2);
      return s(
        'rect',
        { x: i * barWidth + 1, y: height - barHeight, width: Math.max(barWidth - 2, 1), height: barHeight },
        s('title', {}, `${new Date(p.timestamp).toLocaleDateString()}: ${formatNumber(p.quantity)}`),
      );
    }),
  );
}
