// The customer portal's HTML shell. The server fills in only the organization's brand (name,
// avatar), the session's state and return_url as far as it knows them, and which portal APIs exist;
// the providers' web addresses, the page's modules (./assets) load everything else with the session token. Every value goes
// through escapeHtml, and URLs must be http(s), so nothing from the database becomes markup.

export type PortalSessionState = 'live' | 'expired' | 'unknown' | 'none';

export interface PortalPageModel {
  organization: { id: string; name: string; slug: string; avatarUrl: string | null };
  session: PortalSessionState;
  returnUrl: string | null;
  /** Portal API sections this server offers (the page hides the others). */
  features: string[];
  /** Where the providers' web pages are (GITHUB_WEB_URL, DISCORD_WEB_URL): repository and invitation links. */
  providerWebUrls: { github: string; discord: string };
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The URL itself when it is an absolute http(s) URL, else null (never `javascript:` and the like). */
export function safeHttpUrl(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.toString() : null;
  } catch {
    return null;
  }
}

function monogram(name: string): string {
  return escapeHtml((name.trim()[0] ?? '?').toUpperCase());
}

function expiredNotice(model: PortalPageModel): string {
  const back = model.returnUrl
    ? `<p><a class="button" href="${escapeHtml(model.returnUrl)}">Return to ${escapeHtml(new URL(model.returnUrl).host)}</a></p>`
    : '';
  const what = model.session === 'expired' ? 'This portal link has expired.' : 'This portal link is not valid.';
  return `<section id="notice" class="notice" role="alert"><h2>${what}</h2>
    <p>Portal links work for a limited time. Ask ${escapeHtml(model.organization.name)} for a new one.</p>${back}</section>`;
}

export function renderPortalPage(model: PortalPageModel): string {
  const org = model.organization;
  const avatar = org.avatarUrl
    ? `<img class="avatar" src="${escapeHtml(org.avatarUrl)}" alt="" width="40" height="40">`
    : `<span class="avatar monogram" aria-hidden="true">${monogram(org.name)}</span>`;
  const closed = model.session === 'expired' || model.session === 'unknown';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(org.name)} · Customer portal</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/portal-assets/portal.css">
<script type="module" src="/portal-assets/portal.js"></script>
</head>
<body data-session="${model.session}" data-slug="${escapeHtml(org.slug)}" data-organization-id="${escapeHtml(org.id)}"
  data-organization-name="${escapeHtml(org.name)}" data-return-url="${escapeHtml(model.returnUrl ?? '')}"
  data-features="${escapeHtml(model.features.join(' '))}"
  data-github-web-url="${escapeHtml(model.providerWebUrls.github)}" data-discord-web-url="${escapeHtml(model.providerWebUrls.discord)}">
<a class="skip" href="#main">Skip to content</a>
<header class="brand">
  ${avatar}
  <div><h1>${escapeHtml(org.name)}</h1><p class="muted">Your purchases and benefits</p></div>
  <p class="who" id="who"></p>
</header>
<main id="main" tabindex="-1">
  ${closed ? expiredNotice(model) : '<p id="status" class="status" role="status" aria-live="polite">Loading your benefits…</p>'}
  <div id="content"></div>
  <p id="announcer" class="visually-hidden" role="status" aria-live="polite"></p>
</main>
</body>
</html>
`;
}
