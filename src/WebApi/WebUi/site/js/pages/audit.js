// The audit log (GET /admin/audit, docs/decisions/0025-audit-log.md): who did what, when, from where; newest first.
// The filters live in the hash (#/audit?action=…&actor=…) so a filtered view can be bookmarked and reloaded.
import { admin } from '../api.js';
import { h, fill, empty } from '../ui.js';
import { navigate } from '../main.js';

/** The actions the server records (AuditActions on the server), with a label for the filter. */
const ACTIONS = {
  'user.signup': 'Sign-up', 'user.login': 'Login', 'user.login_failed': 'Failed login', 'user.logout': 'Logout',
  'user.update': 'Profile change', 'user.password_change': 'Password change', 'user.password_reset_request': 'Password reset requested',
  'user.password_reset': 'Password reset', 'user.confirm': 'Sign-up confirmed', 'user.sessions_end': 'Signed out everywhere',
  'user.invite': 'Invited to sign up', 'user.global_role_change': 'Global role change',
  'user.delete': 'User deleted', 'app.create': 'Application created', 'app.rename': 'Application renamed',
  'app.key_regenerate': 'Application key regenerated', 'app.delete': 'Application deleted', 'member.add': 'Member added',
  'member.role_change': 'Member role change', 'member.remove': 'Member removed', 'service.create': 'Service created',
  'service.rename': 'Service renamed', 'service.key_regenerate': 'Service key regenerated', 'service.clone': 'Service cloned',
  'service.delete': 'Service deleted', 'service.quota_change': 'Service quota changed', 'service.export': 'Collection exported',
  'service.import': 'Collection imported', 'service.bulk_enrol': 'Bulk enrolment', 'webhook.create': 'Webhook created',
  'webhook.update': 'Webhook changed', 'webhook.delete': 'Webhook deleted', 'face.add': 'Face added', 'face.delete': 'Face deleted', 'face.delete_bulk': 'Faces deleted',
  'face.delete_subject': "Subject's faces deleted", 'subject.create': 'Subject created', 'subject.rename': 'Subject renamed',
  'subject.delete': 'Subject deleted', 'subject.delete_all': 'All subjects deleted',
};

const PAGE_SIZE = 50;

/** A datetime-local value (the browser's local time) as ISO-8601 UTC, or '' when empty. */
function toIso(local) {
  return local ? new Date(local).toISOString() : '';
}

/** ISO-8601 UTC as a datetime-local value, or ''. */
function toLocal(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = n => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export async function auditPage(view) {
  const query = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const filters = {
    from: query.get('from') ?? '', to: query.get('to') ?? '', actor: query.get('actor') ?? '',
    action: query.get('action') ?? '', appId: query.get('appId') ?? '',
  };
  const page = Math.max(0, Number.parseInt(query.get('page') ?? '0', 10) || 0);
  const request = new URLSearchParams({ page: String(page), size: String(PAGE_SIZE) });
  for (const [key, value] of Object.entries(filters)) if (value) request.set(key, value);

  let result;
  try {
    result = await admin('GET', `/audit?${request}`);
  } catch (error) {
    if (error.status === 403) {
      fill(view, h('div.card', h('h1', 'Audit log'),
        h('p', 'Only the global owner and administrators read the audit log; the owner of an application reads its events.')));
      return;
    }
    throw error;
  }
  const apps = await admin('GET', '/apps').catch(() => []);
  const appNames = new Map(apps.map(a => [a.id, a.name]));

  const go = (changes) => {
    const next = new URLSearchParams();
    for (const [key, value] of Object.entries({ ...filters, page: '0', ...changes })) if (value && value !== '0') next.set(key, value);
    navigate('/audit' + (next.size ? `?${next}` : ''));
  };

  const from = h('input', { type: 'datetime-local', value: toLocal(filters.from), 'aria-label': 'From' });
  const to = h('input', { type: 'datetime-local', value: toLocal(filters.to), 'aria-label': 'To' });
  const actor = h('input', { type: 'text', value: filters.actor, placeholder: 'email, service name or id', 'aria-label': 'Actor' });
  const action = h('select', { 'aria-label': 'Action' },
    h('option', { value: '' }, 'All actions'),
    Object.entries(ACTIONS).map(([value, label]) => h('option', { value, selected: value === filters.action }, label)));
  const app = h('select', { 'aria-label': 'Application' },
    h('option', { value: '' }, 'All applications'),
    apps.map(a => h('option', { value: a.id, selected: a.id === filters.appId }, a.name)));
  const form = h('form.row', {
    onsubmit: e => {
      e.preventDefault();
      go({ from: toIso(from.value), to: toIso(to.value), actor: actor.value.trim(), action: action.value, appId: app.value });
    },
  },
  h('label', 'From', from), h('label', 'To', to), h('label', 'Actor', actor), h('label', 'Action', action), h('label', 'Application', app),
  h('button', { type: 'submit' }, 'Filter'),
  h('button.secondary', { type: 'button', onclick: () => navigate('/audit') }, 'Clear'));

  const who = e => e.actorName ?? (e.actorId ? `${e.actorType} ${e.actorId}` : e.actorType);
  const target = e => [e.targetType, e.targetName ?? e.targetId].filter(Boolean).join(' ');
  const rows = result.events.map(e => h('tr', { dataset: { testid: 'audit-row' } },
    h('td', new Date(e.time).toLocaleString()),
    h('td', { dataset: { action: e.action } }, ACTIONS[e.action] ?? e.action),
    h('td', who(e), e.actorType === 'service' ? h('span.muted', ' (API key)') : null),
    h('td', e.address ?? ''),
    h('td', e.appId ? (appNames.get(e.appId) ?? e.appId) : ''),
    h('td', target(e)),
    h('td', e.details ?? '')));

  const pages = Math.max(1, Math.ceil(result.total / PAGE_SIZE));
  const pager = h('div.row',
    h('button.secondary', { type: 'button', disabled: page === 0, onclick: () => go({ page: String(page - 1) }) }, 'Newer'),
    h('span.muted', `Page ${page + 1} of ${pages} · ${result.total} events`),
    h('button.secondary', { type: 'button', disabled: page + 1 >= pages, onclick: () => go({ page: String(page + 1) }) }, 'Older'));

  fill(view, h('h1', 'Audit log'),
    h('p.muted', 'Sign-ins, role and member changes, key rotations, deletions and face API writes, newest first. Passwords, keys, images and subject names are never recorded.'),
    h('div.card', form),
    h('div.card', result.events.length
      ? [h('div.table-wrap', h('table',
        h('thead', h('tr', h('th', 'Time'), h('th', 'Action'), h('th', 'Actor'), h('th', 'Address'), h('th', 'Application'), h('th', 'Target'), h('th', 'Details'))),
        h('tbody', rows))), pager]
      : empty('No events', 'Nothing matches these filters. Clear them or widen the time range.')));
}
