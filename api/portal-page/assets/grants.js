// A grant's card: the benefit, its state and what the customer can do with it. The body of each
// benefit type is one function in BODIES, so a new type is one more entry.
import { connectAccount, githubBody, discordBody } from './accounts.js';
import { downloadsBody } from './downloads.js';
import { h, formatDate } from './dom.js';
import { licenseKeyBody } from './license-keys.js';
import { meterBody } from './meters.js';

const TYPE_LABELS = {
  license_keys: 'License key',
  downloadables: 'Downloads',
  github_repository: 'GitHub repository',
  discord: 'Discord',
  meter_credit: 'Credits',
  custom: 'Benefit',
  feature_flag: 'Feature',
};

/** Types that act on the customer's own account on a provider: they wait until it is linked. */
export const LINKED_PLATFORM = { github_repository: 'github', discord: 'discord' };

/**
 * granted | waiting (on the customer: link an account, or the provider asked for an action) |
 * failed (with the provider's message) | revoked | pending (being set up).
 */
export function grantState(grant) {
  if (grant.is_revoked) return 'revoked';
  if (grant.is_granted) return 'granted';
  if (grant.error) return grant.error.type === 'action_required' ? 'waiting' : 'failed';
  if (LINKED_PLATFORM[grant.benefit.type] && !grant.properties?.account_id) return 'waiting';
  return 'pending';
}

const STATE_LABELS = {
  granted: 'Active',
  waiting: 'Action needed',
  failed: 'Failed',
  revoked: 'Revoked',
  pending: 'Being set up',
};

function stateDetail(grant, state, ctx) {
  switch (state) {
    case 'revoked':
      return h('p', { class: 'muted' }, `Ended on ${formatDate(grant.revoked_at)}.`);
    case 'failed':
      return h(
        'p',
        { class: 'error' },
        `We could not set this up: ${grant.error.message}`,
        h('br'),
        `Contact ${ctx.organizationName} if this persists.`,
      );
    case 'waiting': {
      const platform = LINKED_PLATFORM[grant.benefit.type];
      return h(
        'div',
        { class: 'waiting' },
        grant.error ? h('p', {}, grant.error.message) : null,
        platform ? connectAccount(ctx, platform) : null,
      );
    }
    case 'pending':
      return h('p', { class: 'muted' }, 'This benefit is being set up. Reload in a moment.');
    default:
      return null;
  }
}

function customBody(grant) {
  const note = grant.benefit.properties?.note;
  return note ? h('p', { class: 'note' }, note) : null;
}

function featureFlagBody() {
  return h('p', { class: 'muted' }, 'Enabled for your account.');
}

const BODIES = {
  license_keys: licenseKeyBody,
  downloadables: downloadsBody,
  github_repository: githubBody,
  discord: discordBody,
  meter_credit: meterBody,
  custom: customBody,
  feature_flag: featureFlagBody,
};

export function grantCard(grant, ctx) {
  const state = grantState(grant);
  const type = grant.benefit.type;
  const body = state === 'granted' || (state === 'waiting' && type === 'github_repository') ? BODIES[type]?.(grant, ctx) : null;
  const titleId = `grant-${grant.id}-title`;
  return h(
    'li',
    { class: `grant card state-${state}`, 'data-grant-id': grant.id, 'data-state': state, 'aria-labelledby': titleId },
    h(
      'div',
      { class: 'grant-head' },
      h('div', {}, h('p', { class: 'type' }, TYPE_LABELS[type] ?? type), h('h3', { id: titleId }, grant.benefit.description)),
      h('span', { class: `badge badge-${state}` }, STATE_LABELS[state]),
    ),
    stateDetail(grant, state, ctx),
    body,
  );
}

/** Grants grouped under the product whose order or subscription granted them, in purchase order. */
export function groupByProduct(grants, products) {
  const groups = (products ?? []).map((p) => ({ name: p.name, scopes: new Set([...p.order_ids, ...p.subscription_ids]), grants: [] }));
  const other = { name: 'Other benefits', scopes: new Set(), grants: [] };
  for (const grant of grants) {
    const scope = grant.subscription_id ?? grant.order_id;
    (groups.find((g) => g.scopes.has(scope)) ?? other).grants.push(grant);
  }
  return [...groups, other].filter((g) => g.grants.length > 0);
}
