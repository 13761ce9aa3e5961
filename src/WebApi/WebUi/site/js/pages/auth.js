// Log in and sign up.
import { login, register, openAdmin } from '../api.js';
import { h, fill, actionForm } from '../ui.js';
import { navigate, session } from '../main.js';

export async function loginPage(view) {
  if (session.user) { navigate('/apps'); return; }
  const error = h('div');
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit' }, 'Log in');
  const form = actionForm('form.stack', submit, error, async () => {
    await login(email.value.trim(), password.value);
    session.user = null;
    navigate('/apps');
  }, h('label', 'Email', email), h('label', 'Password', password), error, submit);
  fill(view, h('div.card.narrow',
    h('h1', 'Log in'), form,
    h('p.muted', h('a', { href: '#/forgot-password' }, 'Forgot your password?')),
    h('p.muted', 'No account yet? ', h('a', { href: '#/signup' }, 'Sign up'),
      '. The first account on a new server becomes its owner.'),
    h('p.muted', 'Just want to try it? The ', h('a', { href: '#/demo/tutorial' }, 'tutorial'), ' needs only an API key.')));
  email.focus();
}

export async function signupPage(view) {
  const mail = await fetch('/admin/config').then(r => r.json()).catch(() => ({ mailServiceEnabled: false }));
  // Admin:Registration (docs/decisions/0023-accounts-and-sessions.md); an older server does not say: open.
  if (mail.registration === 'CLOSED') {
    fill(view, h('div.card.narrow', h('h1', 'Sign up'),
      h('p', { role: 'status' }, 'Sign-up is closed on this server. Ask its owner or an administrator for an account.'),
      h('p.muted', 'Already have an account? ', h('a', { href: '#/login' }, 'Log in'), '.')));
    return;
  }
  const invitation = mail.registration === 'INVITE_ONLY'
    ? h('p.muted', { role: 'note' }, 'Sign-up on this server is by invitation: use the email address an administrator or application owner invited.')
    : null;
  const error = h('div');
  const field = (label, attrs) => { const input = h('input', attrs); return [h('label', label, input), input]; };
  const [firstLabel, first] = field('First name', { type: 'text', name: 'firstName', maxLength: 50, required: true, autocomplete: 'given-name' });
  const [lastLabel, last] = field('Last name', { type: 'text', name: 'lastName', maxLength: 50, required: true, autocomplete: 'family-name' });
  const [emailLabel, email] = field('Email', { type: 'email', name: 'email', required: true, autocomplete: 'email' });
  const [passwordLabel, password] = field('Password (at least 8 characters)', { type: 'password', name: 'password', minLength: 8, required: true, autocomplete: 'new-password' });
  // The first account becomes the server's owner: from another computer than the server it needs the setup token
  // the server printed in its log (SECURITY.md). Folded away: everyone else never needs it.
  const [setupLabel, setupToken] = field('Setup token (from the server log)', { type: 'text', name: 'setupToken', autocomplete: 'off', spellcheck: false });
  const setup = h('details', h('summary', 'First account, from another computer?'),
    h('p.muted', 'The first account becomes the owner of this server. Signing up from another computer than the server needs the setup token it printed in its log.'),
    setupLabel);
  const submit = h('button', { type: 'submit' }, 'Sign up');
  const form = actionForm('form.stack', submit, error, async () => {
    const user = { firstName: first.value.trim(), lastName: last.value.trim(), email: email.value.trim(), password: password.value };
    if (setupToken.value.trim()) user.setupToken = setupToken.value.trim();
    const status = await register(user);
    if (status === 200 && mail.mailServiceEnabled) {
      fill(view, h('div.card.narrow', h('h1', 'Check your email'), h('p', 'We sent you a link to confirm your account. Then ', h('a', { href: '#/login' }, 'log in'), '.')));
      return;
    }
    // Active at once (no mail server): log straight in.
    await login(email.value.trim(), password.value);
    session.user = null;
    navigate('/apps');
  }, firstLabel, lastLabel, emailLabel, passwordLabel, setup, error, submit);
  fill(view, h('div.card.narrow', h('h1', 'Sign up'), invitation, form,
    h('p.muted', 'Already have an account? ', h('a', { href: '#/login' }, 'Log in'), '.')));
  first.focus();
}


export async function forgotPasswordPage(view) {
  const mail = await fetch('/admin/config').then(r => r.json()).catch(() => ({ mailServiceEnabled: false }));
  if (!mail.mailServiceEnabled) {
    fill(view, h('div.card.narrow', h('h1', 'Forgot your password?'),
      h('p', 'This server does not send email, so it cannot mail you a reset link. Ask the owner or an administrator of this server to help, or sign up again with another address.'),
      h('p', h('a', { href: '#/login' }, 'Back to log in'))));
    return;
  }
  const error = h('div');
  const email = h('input', { type: 'email', name: 'email', autocomplete: 'email', required: true });
  const submit = h('button', { type: 'submit' }, 'Mail me a reset link');
  const form = actionForm('form.stack', submit, error, async () => {
    await openAdmin('POST', '/user/forgot-password', { email: email.value.trim() });
    fill(view, h('div.card.narrow', h('h1', 'Check your email'),
      h('p', `If ${email.value.trim()} has an account, a link to choose a new password is on its way. It works for 15 minutes.`),
      h('p', h('a', { href: '#/login' }, 'Back to log in'))));
  }, h('label', 'Email', email), error, submit);
  fill(view, h('div.card.narrow', h('h1', 'Forgot your password?'), form));
  email.focus();
}

export async function resetPasswordPage(view) {
  const token = new URLSearchParams(location.hash.split('?')[1] ?? '').get('token') ?? '';
  const error = h('div');
  const password = h('input', { type: 'password', name: 'newPassword', autocomplete: 'new-password', minLength: 8, maxLength: 255, required: true });
  const submit = h('button', { type: 'submit' }, 'Set the new password');
  const form = actionForm('form.stack', submit, error, async () => {
    await openAdmin('PUT', `/user/reset-password?token=${encodeURIComponent(token)}`, { password: password.value });
    fill(view, h('div.card.narrow', h('h1', 'Password changed'), h('p', 'You can now ', h('a', { href: '#/login' }, 'log in'), ' with the new password.')));
  }, h('label', 'New password (at least 8 characters)', password), error, submit);
  fill(view, h('div.card.narrow', h('h1', 'Choose a new password'),
    token ? form : h('p', 'This page needs the link from the reset mail. ', h('a', { href: '#/forgot-password' }, 'Ask for one'), '.')));
  password.focus();
}
