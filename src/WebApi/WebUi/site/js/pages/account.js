// The signed-in user's account, and user management for the global owner and administrators.
import { admin } from '../api.js';
import { h, busy, toast, confirmAction, empty, fill, actionForm } from '../ui.js';
import { navigate, session, signOut } from '../main.js';

export async function accountPage(view) {
  const me = await admin('GET', '/user/me');
  const profileError = h('div');
  const first = h('input', { type: 'text', name: 'firstName', value: me.firstName, maxLength: 50, required: true });
  const last = h('input', { type: 'text', name: 'lastName', value: me.lastName, maxLength: 50, required: true });
  const save = h('button', { type: 'submit' }, 'Save');
  const profile = actionForm('form.stack', save, profileError, async () => {
    await admin('PUT', '/user/update', { firstName: first.value.trim(), lastName: last.value.trim() });
    session.user = null;
    toast('Profile saved');
  }, h('label', 'First name', first), h('label', 'Last name', last), profileError, save);

  const passwordError = h('div');
  const oldPassword = h('input', { type: 'password', name: 'oldPassword', autocomplete: 'current-password', required: true });
  const newPassword = h('input', { type: 'password', name: 'newPassword', autocomplete: 'new-password', minLength: 8, required: true });
  const change = h('button', { type: 'submit' }, 'Change password');
  const password = actionForm('form.stack', change, passwordError, async () => {
    await admin('PUT', '/user/me/password', { oldPassword: oldPassword.value, newPassword: newPassword.value });
    oldPassword.value = newPassword.value = '';
    toast('Password changed');
  }, h('label', 'Current password', oldPassword), h('label', 'New password (at least 8 characters)', newPassword), passwordError, change);

  const leave = h('button.danger', { type: 'button', onclick: () => busy(leave, async () => {
    if (!confirmAction('Delete your account? Applications you own go to the global owner.')) return;
    try {
      await admin('DELETE', `/user/${me.userId}`);
    } catch (error) {
      throw unavailable(error, 'Deleting accounts');
    }
    await signOut();
  }) }, 'Delete my account');

  const everywhere = h('button', { type: 'button', onclick: () => busy(everywhere, async () => {
    if (!confirmAction('Sign out on every device and browser, this one included?')) return;
    try {
      await admin('POST', '/user/me/sessions/end');
    } catch (error) {
      throw unavailable(error, 'Signing out everywhere');
    }
    await signOut();
  }) }, 'Sign out everywhere');

  fill(view, h('h1', 'Account'), h('p.muted', me.email),
    h('div.pair', h('div.card', h('h2', { style: { marginTop: 0 } }, 'Profile'), profile),
      h('div.card', h('h2', { style: { marginTop: 0 } }, 'Password'), password)),
    h('div.card', h('h2', { style: { marginTop: 0 } }, 'Sessions'),
      h('p.muted', 'Changing your password also signs out every other session.'), everywhere),
    session.user?.isOwner ? null : h('div.card', h('h2', { style: { marginTop: 0 } }, 'Delete account'), leave));
}

/** Maps "no such endpoint" (an older node) to a plain sentence; other errors pass through. */
function unavailable(error, what) {
  return error.code === null && (error.status === 404 || error.status === 405)
    ? new Error(`${what} is not available on this server yet.`) : error;
}

export async function usersPage(view) {
  if (!session.user?.isAdmin) {
    fill(view, h('div.card', h('h1', 'Users'), h('p', 'Only the global owner and administrators manage users.')));
    return;
  }
  const [users, assignable] = await Promise.all([admin('GET', '/user/roles'), admin('GET', '/user/global/assign-roles')]);
  const me = session.user.userId;
  const reload = () => navigate('/users');
  const rows = users.map(user => {
    const own = user.userId === me;
    const fixed = own || user.role === 'OWNER' || !assignable.includes(user.role);
    const select = h('select', {
      'aria-label': `Global role of ${user.email}`, disabled: fixed,
      onchange: () => busy(null, async () => {
        if (select.value === 'OWNER' && !confirmAction(`Make ${user.email} the global owner? You become an administrator.`)) {
          select.value = user.role;
          return;
        }
        try {
          await admin('PUT', '/user/global/role', { userId: user.userId, role: select.value });
        } catch (error) {
          throw unavailable(error, 'Changing global roles');
        }
        toast(`${user.email} is now ${select.value}`);
        session.user = null;
        reload();
      }, err => { toast(err.message, 'error'); select.value = user.role; }),
    }, (fixed ? [user.role] : assignable).map(r => h('option', { value: r, selected: r === user.role }, r)));
    const canDelete = !own && user.role !== 'OWNER' && (session.user.isOwner || user.role !== 'OWNER');
    const del = canDelete ? h('button.danger', { type: 'button', onclick: () => busy(del, async () => {
      if (!confirmAction(`Delete ${user.email}? Applications they own go to you.`)) return;
      try {
        await admin('DELETE', `/user/${user.userId}?replacer=deleter`);
      } catch (error) {
        throw unavailable(error, 'Deleting users');
      }
      toast('User deleted');
      reload();
    }) }, 'Delete') : null;
    return h('tr', h('td', `${user.firstName} ${user.lastName}`, own ? h('span.muted', ' (you)') : null),
      h('td', user.email), h('td', select), h('td.actions', del));
  });
  // Invitations to sign up (Admin:Registration=InviteOnly; docs/decisions/0023-accounts-and-sessions.md).
  const inviteError = h('div');
  const inviteEmail = h('input', { type: 'email', name: 'signUpInviteEmail', placeholder: 'Email of the person to invite', required: true });
  const inviteButton = h('button', { type: 'submit' }, 'Invite to sign up');
  const invite = actionForm('form.row', inviteButton, inviteError, async () => {
    let invitation;
    try {
      invitation = await admin('POST', '/user/invitation', { email: inviteEmail.value.trim() });
    } catch (error) {
      throw unavailable(error, 'Inviting people');
    }
    inviteEmail.value = '';
    toast(`${invitation.email} may sign up until ${new Date(invitation.expiresAt).toLocaleString()}`);
  }, inviteEmail, inviteButton, inviteError);

  fill(view, h('h1', 'Users'),
    h('p.muted', 'Global roles: the owner and administrators see and manage every application and user; users see only the applications they are invited to. New people join by signing up.'),
    h('div.card', h('h2', { style: { marginTop: 0 } }, 'Invite someone to sign up'),
      h('p.muted', 'When sign-up on this server is by invitation, only invited emails can create an account.'), invite),
    h('div.card', users.length ? h('div.table-wrap', h('table', h('thead', h('tr', h('th', 'Name'), h('th', 'Email'), h('th', 'Global role'), h('th', ''))), h('tbody', rows)))
      : empty('No users', 'People appear here once they sign up.')));
}
