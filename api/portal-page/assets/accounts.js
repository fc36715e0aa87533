// GitHub and Discord: the customer links an account through the provider and comes back here;
// once invited, the invitation link. The connect flow runs only where the API offers it.
import { h } from './dom.js';

const PLATFORM_NAMES = { github: 'GitHub', discord: 'Discord' };

export function connectAccount(ctx, platform) {
  const name = PLATFORM_NAMES[platform];
  const linked = ctx.customer?.oauth_accounts?.[platform];
  if (linked) return h('p', { class: 'muted' }, `Connected as ${linked.account_username ?? linked.account_id}. Setting up access…`);
  if (!ctx.features.has('oauth-accounts')) {
    return h('p', {}, `Connect your ${name} account to receive this benefit. Contact ${ctx.organizationName} to do so.`);
  }
  const button = h(
    'button',
    {
      type: 'button',
      class: `primary connect-${platform}`,
      onclick: async () => {
        button.disabled = true;
        try {
          const returnTo = encodeURIComponent(location.href);
          const answer = await ctx.api.get(`/oauth-accounts/authorize?platform=${platform}&return_to=${returnTo}`);
          if (!answer?.url) throw new Error(`${name} cannot be connected right now.`);
          location.assign(answer.url);
        } catch (err) {
          button.disabled = false;
          ctx.onError(err);
        }
      },
    },
    `Connect ${name}`,
  );
  return h('p', {}, button);
}

// The portal's grant properties keep to the spec's fields (no invitation_url): the invitation is
// at the repository's /invitations page on GitHub (GITHUB_WEB_URL from the server).
export function githubBody(grant, ctx) {
  const props = grant.benefit.properties ?? {};
  const repo = `${encodeURIComponent(props.repository_owner)}/${encodeURIComponent(props.repository_name)}`;
  const web = ctx.webUrls.github;
  const granted = grant.is_granted && !grant.is_revoked;
  return h(
    'div',
    { class: 'github' },
    h('p', {}, 'Repository ', h('a', { href: `${web}/${repo}`, rel: 'noopener' }, `${props.repository_owner}/${props.repository_name}`)),
    granted
      ? h(
          'p',
          {},
          h(
            'a',
            { class: 'button primary invitation', href: `${web}/${repo}/invitations`, rel: 'noopener' },
            'Accept the invitation on GitHub',
          ),
        )
      : null,
  );
}

export function discordBody(grant, ctx) {
  const guild = grant.benefit.properties?.guild_id;
  return h(
    'p',
    {},
    'Your role is granted. ',
    guild
      ? h('a', { href: `${ctx.webUrls.discord}/channels/${encodeURIComponent(guild)}`, rel: 'noopener' }, 'Open the server in Discord')
      : null,
  );
}
