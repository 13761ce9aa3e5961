// The applications list and the create form.
import { admin } from '../api.js';
import { h, empty, fill, actionForm } from '../ui.js';
import { navigate, session } from '../main.js';

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
    canCreate ? h('div.card', h('h2', { style: { marginTop: 0 } }, 'New application'), form, error) : null,
    h('div.card', list));
}
