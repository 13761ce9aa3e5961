// The applications list and the create form.
import { admin } from '../api.js';
import { h, empty, fill, actionForm, busy, toast, errorBox } from '../ui.js';
import { navigate, session } from '../main.js';

/** CompreFace's published demo keys (README, SDK docs): anyone who knows them can use a service that still has one. */
const PUBLISHED_KEYS = new Set(['00000000-0000-0000-0000-000000000002', '00000000-0000-0000-0000-000000000003', '00000000-0000-0000-0000-000000000004']);

export async function appsPage(view) {
  const apps = await admin('GET', '/apps');
  const error = h('div');
  const name = h('input', { type: 'text', name: 'appName', placeholder: 'Application name', maxLength: 50, required: true });
  const create = h('button', { type: 'submit' }, 'Create application');
  const form = actionForm('form.row', create, error, async () => {
    const app = await admin('POST', '/app', { name: name.value.trim() });
    navigate(`/apps/${app.id}`);
  }, h('span.grow', name), create);

  const canCreate = session.user?.isAdmin;
  const list = apps.length === 0
    ? empty('No applications yet',
      canCreate ? 'An application groups face services (recognition, detection, verification) and the people who manage them. Create your first one above.'
        : 'Ask an administrator to create an application or to invite you to one.')
    : h('div.table-wrap', h('table',
      h('thead', h('tr', h('th', 'Name'), h('th', 'Your role'), h('th', 'Owner'))),
      h('tbody', apps.map(app => h('tr',
        h('td', h('a', { href: `#/apps/${app.id}` }, app.name)),
        h('td', app.role ? h('span.badge', app.role) : h('span.muted', 'none (global access)')),
        h('td', app.owner ? `${app.owner.firstName} ${app.owner.lastName}` : ''))))));

  fill(view,
    h('h1', 'Applications'),
    session.user?.isAdmin ? await publishedKeysBanner(apps) : null,
    canCreate ? h('div.card', h('h2', { style: { marginTop: 0 } }, 'New application'), form, error) : null,
    h('div.card', list));
}

/**
 * For the global owner and administrators: a warning while a service still answers to one of CompreFace's published
 * demo keys, with one button that gives each of them a new key (SECURITY.md, "Before exposing a node").
 */
async function publishedKeysBanner(apps) {
  const services = (await Promise.all(apps.map(async app => (await admin('GET', `/app/${app.id}/models`)).map(service => ({ app, service })))))
    .flat()
    .filter(({ service }) => PUBLISHED_KEYS.has(service.apiKey));
  if (services.length === 0) return null;
  const error = h('div');
  const rotate = h('button.danger', {
    type: 'button',
    onclick: () => busy(rotate, async () => {
      error.replaceChildren();
      try {
        for (const { app, service } of services) await admin('PUT', `/app/${app.id}/model/${service.id}/apikey`);
        toast('The demo services have new API keys; the published ones no longer work');
        banner.remove();
      } catch (failure) {
        error.replaceChildren(errorBox(failure));
      }
    }),
  }, 'Renew these keys now');
  const banner = h('div.card.warning', { role: 'alert', dataset: { testid: 'published-keys' } },
    h('strong', 'Published demo keys are still active.'),
    h('p', `${services.map(({ app, service }) => `"${service.name}" (${app.name})`).join(', ')} still answer to CompreFace's well-known demo API keys: anyone who can reach this server can use them. Give them new keys before exposing the server; clients of these services then need the new keys.`),
    h('div.row', rotate), error);
  return banner;
}
