// The customer portal page. The session token arrives in the link's query: it is moved into
// sessionStorage (this tab only) and removed from the address bar before anything else, so it
// stays out of history, bookmarks, screenshots and Referer headers.
import { portalApi, SessionExpired } from './api.js';
import { announce, h } from './dom.js';
import { grantCard, groupByProduct } from './grants.js';

const body = document.body;
const STORE_KEY = `portal-session:${body.dataset.slug}`;
const features = new Set((body.dataset.features ?? '').split(' ').filter(Boolean));

function takeSession() {
  const url = new URL(location.href);
  const fromLink = url.searchParams.get('customer_session_token');
  if (fromLink !== null) {
    url.searchParams.delete('customer_session_token');
    history.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`);
    if (body.dataset.session !== 'live') {
      sessionStorage.removeItem(STORE_KEY);
      return null;
    }
    const session = { token: fromLink, returnUrl: body.dataset.returnUrl || null };
    sessionStorage.setItem(STORE_KEY, JSON.stringify(session));
    return session;
  }
  try {
    return JSON.parse(sessionStorage.getItem(STORE_KEY) ?? 'null');
  } catch {
    return null;
  }
}

function setStatus(text) {
  const status = document.getElementById('status');
  if (status) {
    status.textContent = text;
    status.hidden = !text;
  }
}

/** The session is over (or there never was one): say so, with the way back when known. */
function showClosed(kind, returnUrl) {
  sessionStorage.removeItem(STORE_KEY);
  setStatus('');
  const title = kind === 'none' ? 'Open the portal from the link you were given.' : 'This portal link has expired.';
  let back = null;
  if (returnUrl) {
    const host = new URL(returnUrl).host;
    back = h('p', {}, h('a', { class: 'button', href: returnUrl }, `Return to ${host}`));
  }
  const notice = h(
    'section',
    { id: 'notice', class: 'notice', role: 'alert' },
    h('h2', {}, title),
    h('p', {}, `Portal links work for a limited time. Ask ${body.dataset.organizationName} for a new one.`),
    back,
  );
  document.getElementById('content').replaceChildren(notice);
}

async function render(api, session) {
  const ctx = {
    api,
    features,
    organizationName: body.dataset.organizationName,
    webUrls: { github: body.dataset.githubWebUrl || 'https://github.com', discord: body.dataset.discordWebUrl || 'https://discord.com' },
    onError: (err) => {
      if (err instanceof SessionExpired) showClosed('expired', session.returnUrl);
      else announce(err?.message ?? 'Something went wrong.');
    },
  };
  const [customer, grants, products, keys, downloadables, meters] = await Promise.all([
    api.get('/customers/me'),
    api.listAll('/benefit-grants/'),
    api.get('/purchased-products/'),
    api.listAll('/license-keys/'),
    features.has('downloadables') ? api.listAll('/downloadables/') : null,
    features.has('meters') ? api.listAll('/meters/') : null,
  ]);
  Object.assign(ctx, {
    customer,
    licenseKeys: new Map((keys ?? []).map((k) => [k.id, k])),
    downloadables,
    meters,
  });
  document.getElementById('who').textContent = customer?.email ? `Signed in as ${customer.email}` : '';
  const groups = groupByProduct(grants ?? [], products?.items);
  setStatus(groups.length === 0 ? 'You have no benefits yet.' : '');
  document.getElementById('content').replaceChildren(
    ...groups.map((group, i) =>
      h(
        'section',
        { class: 'product', 'aria-labelledby': `product-${i}` },
        h('h2', { id: `product-${i}` }, group.name),
        h(
          'ul',
          { class: 'grants plain' },
          group.grants.map((grant) => grantCard(grant, ctx)),
        ),
      ),
    ),
  );
}

async function main() {
  const session = takeSession();
  // The server already said an expired or unknown link is closed.
  if (body.dataset.session === 'expired' || body.dataset.session === 'unknown') return;
  if (!session) return showClosed('none', null);
  try {
    await render(portalApi(session.token), session);
  } catch (err) {
    if (err instanceof SessionExpired) showClosed('expired', session.returnUrl);
    else setStatus('Your benefits could not be loaded. Reload the page to try again.');
  }
}

void main();
