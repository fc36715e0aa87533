// A license key: masked until revealed, copyable, with its expiry, usage and activations; a
// customer may deactivate activations where the benefit allows customer admin.
import { announce, formatDate, formatNumber, h } from './dom.js';

export function licenseKeyBody(grant, ctx) {
  const key = ctx.licenseKeys.get(grant.properties?.license_key_id);
  if (!key) return h('p', { class: 'muted' }, 'Your key is being issued.');
  const code = h('code', { class: 'key', id: `key-${key.id}` }, key.display_key);
  let shown = false;
  const reveal = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      'aria-pressed': 'false',
      'aria-controls': code.id,
      onclick: () => {
        shown = !shown;
        code.textContent = shown ? key.key : key.display_key;
        reveal.textContent = shown ? 'Hide' : 'Reveal';
        reveal.setAttribute('aria-pressed', String(shown));
      },
    },
    'Reveal',
  );
  const copy = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(key.key);
          announce('License key copied.');
        } catch {
          shown = true;
          code.textContent = key.key;
          announce('Copying is not allowed here: the key is shown, select it to copy.');
        }
      },
    },
    'Copy',
  );
  const limits = grant.benefit.properties ?? {};
  const facts = h(
    'dl',
    { class: 'facts' },
    fact('Status', key.status.charAt(0).toUpperCase() + key.status.slice(1)),
    fact('Expires', key.expires_at ? formatDate(key.expires_at) : 'Never'),
    fact('Usage', key.limit_usage ? `${formatNumber(key.usage)} of ${formatNumber(key.limit_usage)}` : formatNumber(key.usage)),
    key.limit_activations ? fact('Activations limit', formatNumber(key.limit_activations)) : null,
  );
  const activations = limits.activations?.enable_customer_admin ? activationsList(key, ctx) : null;
  return h(
    'div',
    { class: 'license' },
    h('p', { class: 'label', id: `${code.id}-label` }, 'License key'),
    h('div', { class: 'key-row', role: 'group', 'aria-labelledby': `${code.id}-label` }, code, reveal, copy),
    facts,
    activations,
  );
}

function fact(term, value) {
  return [h('dt', {}, term), h('dd', {}, value)];
}

function activationsList(key, ctx) {
  const wrap = h('div', { class: 'activations' }, h('h4', {}, 'Activations'), h('p', { class: 'muted' }, 'Loading…'));
  void ctx.api.get(`/license-keys/${key.id}`).then(
    (full) => {
      const list = h('ul', { class: 'plain' });
      const empty = h('p', { class: 'muted' }, 'No device is activated.');
      const refresh = () => (empty.hidden = list.childElementCount > 0);
      for (const activation of full?.activations ?? []) list.append(activationItem(key, activation, ctx, refresh));
      wrap.replaceChildren(h('h4', {}, 'Activations'), list, empty);
      refresh();
    },
    (err) => ctx.onError(err),
  );
  return wrap;
}

function activationItem(key, activation, ctx, refresh) {
  const item = h('li', { class: 'activation', 'data-activation-id': activation.id });
  const button = h(
    'button',
    {
      type: 'button',
      class: 'danger',
      'aria-label': `Deactivate ${activation.label}`,
      onclick: async () => {
        button.disabled = true;
        try {
          await ctx.api.post('/license-keys/deactivate', {
            key: key.key,
            organization_id: key.organization_id,
            activation_id: activation.id,
          });
          item.remove();
          refresh();
          announce(`${activation.label} was deactivated.`);
        } catch (err) {
          button.disabled = false;
          ctx.onError(err);
        }
      },
    },
    'Deactivate',
  );
  item.append(
    h('span', {}, h('strong', {}, activation.label), h('span', { class: 'muted' }, ` since ${formatDate(activation.created_at)}`)),
    button,
  );
  return item;
}
