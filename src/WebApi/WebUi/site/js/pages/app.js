// One application: its services (create, rename, delete, clone, copy and regenerate key, request quota) and its members.
import { admin } from '../api.js';
import { h, busy, empty, toast, copyText, confirmAction, fill, actionForm } from '../ui.js';
import { navigate, session } from '../main.js';

const TYPES = [
  ['RECOGNITION', 'Recognition: who is this? (a collection of known faces)'],
  ['DETECTION', 'Detection: where are the faces? (age, gender, mask, pose)'],
  ['VERIFY', 'Verification: are these two photos the same person?'],
];

export async function appPage(view, appId, tab) {
  const app = await admin('GET', `/app/${appId}`);
  const role = app.role;
  const globalAdmin = session.user?.isAdmin;
  const manageApp = globalAdmin || role === 'OWNER';
  const manageServices = manageApp || role === 'ADMINISTRATOR';
  const body = h('div');
  fill(view,
    h('div.breadcrumbs', h('a', { href: '#/apps' }, 'Applications'), ' / ', app.name),
    h('div.row', h('h1.grow', app.name), manageApp ? appActions(app) : null),
    h('nav.tabs', { 'aria-label': 'Application' },
      h('a', { href: `#/apps/${appId}/services`, className: tab === 'services' ? 'active' : '' }, 'Services'),
      h('a', { href: `#/apps/${appId}/members`, className: tab === 'members' ? 'active' : '' }, 'Members')),
    body);
  if (tab === 'members') await membersTab(body, app, manageApp);
  else await servicesTab(body, app, manageServices);
}

function appActions(app) {
  const rename = h('button.secondary', { type: 'button', onclick: () => busy(rename, async () => {
    const name = window.prompt('New application name', app.name);
    if (!name || name.trim() === app.name) return;
    await admin('PUT', `/app/${app.id}`, { name: name.trim() });
    toast('Application renamed');
    navigate(`/apps/${app.id}`);
  }) }, 'Rename');
  const remove = h('button.danger', { type: 'button', onclick: () => busy(remove, async () => {
    if (!confirmAction(`Delete the application "${app.name}" with all its services and their faces? This cannot be undone.`)) return;
    await admin('DELETE', `/app/${app.id}`);
    toast('Application deleted');
    navigate('/apps');
  }) }, 'Delete');
  return h('div.row', rename, remove);
}

async function servicesTab(body, app, canManage) {
  const services = await admin('GET', `/app/${app.id}/models`);
  const error = h('div');
  const name = h('input', { type: 'text', name: 'serviceName', placeholder: 'Service name', maxLength: 50, required: true });
  const type = h('select', { name: 'serviceType' }, TYPES.map(([value, text]) => h('option', { value }, text)));
  const create = h('button', { type: 'submit' }, 'Create service');
  const form = actionForm('form.row', create, error, async () => {
    await admin('POST', `/app/${app.id}/model`, { name: name.value.trim(), type: type.value });
    toast('Service created');
    navigate(`/apps/${app.id}/services`);
  }, h('span.grow', name), type, create);

  const rows = services.map(service => serviceRow(app, service, canManage));
  fill(body,
    canManage ? h('div.card', h('h2', { style: { marginTop: 0 } }, 'New service'), form, error) : null,
    h('div.card', services.length === 0
      ? empty('No services yet', canManage
        ? 'A service has its own API key. Create a Recognition service to build a collection of known faces, or Detection / Verification to try those.'
        : 'The application owner or an administrator can create services here.')
      : h('div.table-wrap', h('table', { dataset: { testid: 'services' } },
        h('thead', h('tr', h('th', 'Name'), h('th', 'Type'), h('th', 'API key'), h('th', ''))),
        h('tbody', rows)))));
}

function serviceRow(app, service, canManage) {
  const base = `/app/${app.id}/model/${service.id}`;
  const reload = () => navigate(`/apps/${app.id}/services`);
  const keyCell = h('span.key', service.apiKey);
  const act = (text, cls, fn) => { const b = h('button' + cls, { type: 'button', onclick: () => busy(b, fn) }, text); return b; };
  const link = service.type === 'RECOGNITION'
    ? h('a', { href: `#/apps/${app.id}/services/${service.id}` }, service.name)
    : h('a', { href: `#/apps/${app.id}/services/${service.id}/test` }, service.name);
  return h('tr', { dataset: { service: service.name } },
    h('td', link),
    h('td', h('span.badge', service.type)),
    h('td', keyCell),
    h('td.actions',
      h('a.button.secondary', { href: `#/apps/${app.id}/services/${service.id}/test` }, 'Test'),
      h('a.button.secondary', { href: `#/apps/${app.id}/services/${service.id}/usage` }, 'Usage'),
      act('Copy key', '.secondary', () => copyText(service.apiKey)),
      canManage ? [
        h('a.button.secondary', { href: `#/apps/${app.id}/services/${service.id}/webhooks` }, 'Webhooks'),
        act('New key', '.secondary', async () => {
          if (!confirmAction(`Give "${service.name}" a new API key? The current key stops working at once.`)) return;
          const updated = await admin('PUT', `${base}/apikey`);
          keyCell.textContent = updated.apiKey;
          service.apiKey = updated.apiKey;
          toast('New API key issued; the old one no longer works');
        }),
        act('Rename', '.secondary', async () => {
          const name = window.prompt('New service name', service.name);
          if (!name || name.trim() === service.name) return;
          await admin('PUT', base, { name: name.trim() });
          toast('Service renamed');
          reload();
        }),
        act('Quota', '.secondary', () => editQuota(base, service)),
        act('Copy', '.secondary', async () => {
          const name = window.prompt('Name of the copy (a new service with the same faces and a new key)', `${service.name} copy`);
          if (!name) return;
          try {
            await admin('POST', base, { name: name.trim() });
          } catch (error) {
            // The clone endpoint (docs/compreface-behaviour.md#services) may be missing on older nodes; say so instead of a raw 404/405.
            if (error.code === null && (error.status === 404 || error.status === 405)) {
              throw new Error('Copying a service is not available on this server yet.');
            }
            throw error;
          }
          toast('Service copied');
          reload();
        }),
        act('Delete', '.danger', async () => {
          if (!confirmAction(`Delete the service "${service.name}"${service.type === 'RECOGNITION' ? ' and all its faces' : ''}? This cannot be undone.`)) return;
          await admin('DELETE', base);
          toast('Service deleted');
          reload();
        }),
      ] : null));
}

// The service's request quota on the face API (decision 0024): "rate, burst", or empty for the server's default.
async function editQuota(base, service) {
  const quota = await admin('GET', `${base}/quota`);
  const fallback = quota.defaultRequestsPerSecond === null
    ? 'unlimited' : `${quota.defaultRequestsPerSecond} per second, burst ${quota.defaultBurst}`;
  const current = quota.requestsPerSecond === null ? '' : `${quota.requestsPerSecond}, ${quota.burst}`;
  const answer = window.prompt(
    `Requests per second and burst for "${service.name}", e.g. "5, 10" (over it the API answers 429).\nEmpty: the server's default (${fallback}).`,
    current);
  if (answer === null || answer.trim() === current) return;
  const [rate, burst] = answer.split(',').map(part => part.trim());
  const body = rate === ''
    ? { requestsPerSecond: null, burst: null }
    : { requestsPerSecond: Number(rate), burst: burst === undefined || burst === '' ? null : Number(burst) };
  if (rate !== '' && (!Number.isFinite(body.requestsPerSecond) || (body.burst !== null && !Number.isInteger(body.burst)))) {
    throw new Error('Enter a number of requests per second and, optionally, a whole burst: "5, 10".');
  }
  const updated = await admin('PUT', `${base}/quota`, body);
  toast(updated.requestsPerSecond === null
    ? `"${service.name}" uses the server's default (${fallback})`
    : `"${service.name}": ${updated.requestsPerSecond} requests per second, burst ${updated.burst}`);
}

async function membersTab(body, app, canManage) {
  const [members, assignable] = await Promise.all([
    admin('GET', `/app/${app.id}/roles`),
    admin('GET', `/app/${app.id}/assign-roles`).catch(() => []),
  ]);
  const reload = () => navigate(`/apps/${app.id}/members`);
  const error = h('div');
  const email = h('input', { type: 'email', name: 'inviteEmail', placeholder: 'Email of a registered user', required: true });
  const role = h('select', { name: 'inviteRole' }, assignable.filter(r => r !== 'OWNER').concat(assignable.includes('OWNER') ? ['OWNER'] : [])
    .map(r => h('option', { value: r, selected: r === 'USER' }, r)));
  const invite = h('button', { type: 'submit' }, 'Invite');
  const form = actionForm('form.row', invite, error, async () => {
    await admin('POST', `/app/${app.id}/invite`, { userEmail: email.value.trim(), role: role.value });
    toast('Member added');
    reload();
  }, h('span.grow', email), role, invite);

  const me = session.user?.userId;
  const rows = members.map(member => {
    const own = member.userId === me;
    const fixed = member.role === 'OWNER' || own || !canManage;
    const select = h('select', {
      'aria-label': `Role of ${member.email}`, disabled: fixed,
      onchange: () => busy(null, async () => {
        await admin('PUT', `/app/${app.id}/role`, { userId: member.userId, role: select.value });
        toast(`${member.email} is now ${select.value}`);
        reload();
      }, err => { toast(err.message, 'error'); select.value = member.role; }),
    }, (fixed ? [member.role] : assignable).map(r => h('option', { value: r, selected: r === member.role }, r)));
    const canRemove = member.role !== 'OWNER' && (canManage || own);
    const remove = canRemove ? h('button.danger', { type: 'button', onclick: () => busy(remove, async () => {
      if (!confirmAction(own ? `Leave "${app.name}"?` : `Remove ${member.email} from "${app.name}"?`)) return;
      await admin('DELETE', `/app/${app.id}/user/${member.userId}`);
      toast(own ? 'You left the application' : 'Member removed');
      if (own) navigate('/apps'); else reload();
    }) }, own ? 'Leave' : 'Remove') : null;
    return h('tr', h('td', `${member.firstName} ${member.lastName}`, own ? h('span.muted', ' (you)') : null),
      h('td', member.email), h('td', select), h('td.actions', remove));
  });

  fill(body,
    canManage ? h('div.card', h('h2', { style: { marginTop: 0 } }, 'Invite a member'),
      h('p.muted', 'Owners manage everything; administrators manage services; users can only view and use keys.'), form, error) : null,
    h('div.card', members.length === 0 ? empty('No members', 'Invite someone who has signed up.')
      : h('div.table-wrap', h('table', h('thead', h('tr', h('th', 'Name'), h('th', 'Email'), h('th', 'Role'), h('th', ''))), h('tbody', rows)))));
}
