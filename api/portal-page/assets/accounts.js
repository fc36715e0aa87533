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

export function githubBody(grant) {
  const props = grant.benefit.properties ?? {};
  const repo = `${props.repository_owner}/${props.repository_name}`;
  const invitation = grant.properties?.invitation_url;
  return h(
    'div',
    {},
    h('p', {}, 'Repository ', h('a', { href: `https://github.com/${repo}`, rel: 'noopener' }, repo)),
    invitation
      ? h('p', {}, h('a', { class: 'button primary', href: invitation, rel: 'noopener' }, 'Accept the invitation on GitHub'))
      : null,
  );
}

export function discordBody(grant) {
  const guild = grant.benefit.properties?.guild_id;
  return h(
    'p',
    {},
    'Your role is granted. ',
    guild
      ? h('a', { href: `https://discord.com/channels/${encodeURIComponent(guild)}`, rel: 'noopener' }, 'Open the server in Discord')
      : null,
  );
}
