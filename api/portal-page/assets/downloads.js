// Downloadable files of a granted downloadables benefit: name, size and a download link (a link on
// this API that redirects to the bytes).
import { formatBytes, h } from './dom.js';

export function downloadsBody(grant, ctx) {
  if (!ctx.downloadables) return null;
  const files = ctx.downloadables.filter((d) => d.benefit_id === grant.benefit_id);
  if (files.length === 0) return h('p', { class: 'muted' }, 'No files yet.');
  return h(
    'ul',
    { class: 'plain files' },
    files.map((d) =>
      h(
        'li',
        { class: 'file', 'data-file-id': d.file.id },
        h('span', {}, h('strong', {}, d.file.name), h('span', { class: 'muted' }, ` ${d.file.size_readable ?? formatBytes(d.file.size)}`)),
        h('a', { class: 'button secondary', href: d.file.download.url, download: d.file.name }, 'Download'),
      ),
    ),
  );
}
