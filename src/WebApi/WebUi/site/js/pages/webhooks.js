// A service's webhooks (docs/webhooks.md): add one (its secret is shown once), enable/disable, send a test event, delete,
// and the delivery log. Managed by the application's owner and administrators.
import { admin } from '../api.js';
import { h, empty, fill, busy, actionForm, confirmAction, toast, copyText } from '../ui.js';

const EVENTS = ['face.added', 'face.deleted', 'subject.renamed', 'subject.deleted', 'key.rotated', 'recognition.matched'];

export async function webhooksPage(view, appId, serviceId) {
  const base = `/app/${appId}/model/${serviceId}/webhooks`;
  const [app, service] = await Promise.all([admin('GET', `/app/${appId}`), admin('GET', `/app/${appId}/model/${serviceId}`)]);
  const list = h('div.card');
  const log = h('div.card');
  const secretBox = h('div');

  async function refresh() {
    const [hooks, deliveries] = await Promise.all([admin('GET', base), admin('GET', `${base}/deliveries?limit=50`)]);
    fill(list, hooks.length === 0
      ? empty('No webhooks yet', 'Add the address of a receiver above; it gets a signed POST for each event it subscribes to.')
      : h('div.table-wrap', h('table', { dataset: { testid: 'webhooks' } },
        h('thead', h('tr', h('th', 'Address'), h('th', 'Events'), h('th', 'State'), h('th', ''))),
        h('tbody', hooks.map(hook => row(hook))))));
    fill(log, h('h2', 'Deliveries'), deliveries.length === 0
      ? empty('No deliveries yet', 'Events of this service, and test events, appear here with their outcome.')
      : h('div.table-wrap', h('table', { dataset: { testid: 'deliveries' } },
        h('thead', h('tr', h('th', 'Event'), h('th', 'Subject'), h('th', 'Status'), h('th', 'Attempts'), h('th', 'Last answer'), h('th', 'Created'))),
        h('tbody', deliveries.map(d => h('tr',
          h('td', d.type), h('td', d.subject ?? ''), h('td', h('span.badge', d.status)), h('td', String(d.attempts)),
          h('td', d.lastError ?? (d.lastStatusCode ? `HTTP ${d.lastStatusCode}` : '')),
          h('td', new Date(d.createdAt).toLocaleString())))))));
  }

  function row(hook) {
    const act = (text, fn) => { const b = h('button.secondary', { type: 'button', onclick: () => busy(b, fn) }, text); return b; };
    return h('tr', { dataset: { hook: hook.url } },
      h('td', hook.url),
      h('td', hook.events.join(', ') + (hook.similarityThreshold != null ? ` (≥ ${hook.similarityThreshold})` : '')),
      h('td', hook.enabled ? 'enabled' : 'disabled'),
      h('td.actions',
        act('Send test event', async () => { await admin('POST', `${base}/${hook.id}/test`); toast('Test event queued'); setTimeout(refresh, 1500); }),
        act(hook.enabled ? 'Disable' : 'Enable', async () => {
          await admin('PUT', `${base}/${hook.id}`, { url: hook.url, events: hook.events, similarityThreshold: hook.similarityThreshold, enabled: !hook.enabled });
          await refresh();
        }),
        act('Delete', async () => {
          if (!confirmAction(`Delete the webhook to ${hook.url}? Its pending deliveries and log go too.`)) return;
          await admin('DELETE', `${base}/${hook.id}`);
          await refresh();
        })));
  }

  const url = h('input', { name: 'url', type: 'url', required: true, placeholder: 'https://hooks.example.com/compreface' });
  const boxes = EVENTS.map(e => h('label.inline', h('input', { type: 'checkbox', name: e, checked: e !== 'recognition.matched' }), ' ', e));
  const threshold = h('input', { name: 'threshold', type: 'number', min: 0, max: 1, step: 0.01, value: '0.9' });
  const button = h('button', { type: 'submit' }, 'Add webhook');
  const error = h('div');
  const form = actionForm('form.card', button, error, async () => {
    const events = EVENTS.filter((_, i) => boxes[i].querySelector('input').checked);
    const created = await admin('POST', base, {
      url: url.value.trim(),
      events,
      similarityThreshold: events.includes('recognition.matched') ? Number(threshold.value) : null,
      enabled: true,
    });
    url.value = '';
    fill(secretBox, h('div.card', { role: 'status' },
      h('strong', 'Signing secret (shown only now): '), h('code', { dataset: { testid: 'webhook-secret' } }, created.secret), ' ',
      h('button.secondary', { type: 'button', onclick: () => copyText(created.secret) }, 'Copy')));
    await refresh();
  },
  h('h2', 'Add a webhook'),
  h('label', 'Receiver address', url),
  h('fieldset', h('legend', 'Events'), boxes),
  h('label', 'Similarity threshold for recognition.matched', threshold),
  error, button);

  fill(view,
    h('div.breadcrumbs', h('a', { href: '#/apps' }, 'Applications'), ' / ', h('a', { href: `#/apps/${appId}` }, app.name), ' / ', service.name, ' / webhooks'),
    h('div.row', h('h1.grow', `Webhooks of ${service.name}`), h('a.button.secondary', { href: `#/apps/${appId}/services/${serviceId}/usage` }, 'Usage')),
    h('p.muted', 'Each event is POSTed as JSON, signed with the webhook\'s secret (headers webhook-id, webhook-timestamp, webhook-signature), retried until your receiver answers 2xx, in order per subject.'),
    form, secretBox, list, log);
  await refresh();
}
