// Entry point: hash routes (#/apps, #/apps/<id>/services/<id>/test, ...) so the server serves only "/" and the assets
// and no UI route can shadow /api, /admin or /core (docs/decisions/0013-web-ui.md).
import { admin, setLoggedOutHandler, logout } from './api.js';
import { h, errorBox, fill } from './ui.js';
import { loginPage, signupPage, forgotPasswordPage, resetPasswordPage } from './pages/auth.js';
import { appsPage } from './pages/apps.js';
import { appPage } from './pages/app.js';
import { collectionPage } from './pages/collection.js';
import { testPage } from './pages/test.js';
import { statisticsPage } from './pages/statistics.js';
import { webhooksPage } from './pages/webhooks.js';
import { accountPage, usersPage } from './pages/account.js';
import { tutorialPage } from './pages/tutorial.js';
import { webcamPage } from './pages/webcam.js';
import { auditPage } from './pages/audit.js';
import { jobsPage } from './pages/jobs.js';

/** The logged-in user ({userId, email, firstName, lastName, isAdmin}) or null; loaded once per session. */
export const session = { user: null };

const routes = [
  { pattern: /^\/login$/, page: loginPage, open: true },
  { pattern: /^\/signup$/, page: signupPage, open: true },
  { pattern: /^\/forgot-password$/, page: forgotPasswordPage, open: true },
  { pattern: /^\/reset-password$/, page: resetPasswordPage, open: true },
  { pattern: /^\/demo\/tutorial$/, page: tutorialPage, open: true },
  { pattern: /^\/demo\/webcam$/, page: webcamPage, open: true },
  { pattern: /^\/apps$/, page: appsPage },
  { pattern: /^\/apps\/([^/]+)(?:\/(services|members))?$/, page: (view, [appId, tab]) => appPage(view, appId, tab ?? 'services') },
  { pattern: /^\/apps\/([^/]+)\/services\/([^/]+)$/, page: (view, [appId, serviceId]) => collectionPage(view, appId, serviceId) },
  { pattern: /^\/apps\/([^/]+)\/services\/([^/]+)\/test$/, page: (view, [appId, serviceId]) => testPage(view, appId, serviceId) },
  { pattern: /^\/apps\/([^/]+)\/services\/([^/]+)\/usage$/, page: (view, [appId, serviceId]) => statisticsPage(view, appId, serviceId) },
  { pattern: /^\/apps\/([^/]+)\/services\/([^/]+)\/webhooks$/, page: (view, [appId, serviceId]) => webhooksPage(view, appId, serviceId) },
  { pattern: /^\/account$/, page: accountPage },
  { pattern: /^\/users$/, page: usersPage },
  { pattern: /^\/audit$/, page: auditPage },
  { pattern: /^\/jobs$/, page: jobsPage },
];

/** Leaves the current page: pages register cleanups (the webcam stops its camera). */
let cleanups = [];
export function onLeave(cleanup) { cleanups.push(cleanup); }

export function navigate(path) {
  if (location.hash === '#' + path) render();
  else location.hash = path;
}

async function loadSession() {
  if (session.user) return session.user;
  try {
    const me = await admin('GET', '/user/me', undefined, { quiet: true });
    // The global role is not in /user/me; the roles this user may grant say whether they administer users.
    const assignable = await admin('GET', '/user/global/assign-roles').catch(() => []);
    session.user = { ...me, isAdmin: assignable.length > 0, isOwner: assignable.includes('OWNER') };
  } catch {
    session.user = null;
  }
  return session.user;
}

export async function signOut() {
  await logout();
  session.user = null;
  navigate('/login');
}

function renderNav(path) {
  const nav = document.getElementById('nav');
  const link = (href, text) => h('a', { href: '#' + href, className: path.startsWith(href) ? 'active' : '' }, text);
  const user = session.user;
  fill(nav, ...[
    user ? link('/apps', 'Applications') : null,
    user ? link('/jobs', 'Jobs') : null,
    link('/demo/tutorial', 'Tutorial'),
    link('/demo/webcam', 'Webcam demo'),
    user?.isAdmin ? link('/users', 'Users') : null,
    user?.isAdmin ? link('/audit', 'Audit log') : null,
    // The API reference is a server page (/docs), not a hash route of this app.
    h('a', { href: '/docs' }, 'API docs'),
    h('span.spacer'),
    user ? h('span.who', user.email) : null,
    user ? link('/account', 'Account') : null,
    user ? h('a', { href: '#/login', onclick: e => { e.preventDefault(); signOut(); } }, 'Log out') : link('/login', 'Log in'),
    user ? null : link('/signup', 'Sign up'),
  ].filter(Boolean));
}

async function render() {
  for (const cleanup of cleanups.splice(0)) {
    try { cleanup(); } catch { /* a failed cleanup must not block the next page */ }
  }
  const raw = location.hash.replace(/^#/, '') || '/apps';
  const path = raw.split('?')[0];
  const main = document.getElementById('view');
  // Each render fills its own container: a slow page that finishes after the user moved on writes into a detached
  // element instead of over the newer page.
  const view = h('div');
  fill(main, view);
  const route = routes.find(r => r.pattern.test(path));
  if (!route) {
    renderNav(path);
    fill(view, h('div.card', h('h1', 'Page not found'), h('p', 'There is no page at this address. ', h('a', { href: '#/apps' }, 'Go to your applications'), '.')));
    return;
  }
  const user = await loadSession();
  if (!view.isConnected) return;
  if (!route.open && !user) {
    navigate('/login');
    return;
  }
  renderNav(path);
  fill(view, h('p.muted', h('span.spinner'), ' Loading…'));
  try {
    await route.page(view, path.match(route.pattern).slice(1).map(v => (v === undefined ? undefined : decodeURIComponent(v))));
  } catch (error) {
    fill(view, errorBox(error));
  }
  // Move focus into the new page (for keyboard and screen-reader users) unless the page focused a field itself.
  if (view.isConnected && !main.contains(document.activeElement)) main.focus({ preventScroll: true });
}

setLoggedOutHandler(() => {
  session.user = null;
  if (!/^#\/(login|signup|demo|forgot-password|reset-password)/.test(location.hash)) navigate('/login');
});
window.addEventListener('hashchange', render);
render();
