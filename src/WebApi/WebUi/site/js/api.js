// HTTP clients for the two APIs this UI uses: the admin API (/admin, session cookie) and the face API (/api/v1, x-api-key).
// Every failure becomes an ApiError whose message is written for a person, from CompreFace's error codes.

/** The client credentials CompreFace's own UI sends with the token endpoint (docs/compreface-behaviour.md#admin-sessions). */
const CLIENT_BASIC = 'Basic ' + btoa('CommonClientId:password');

export class ApiError extends Error {
  constructor(status, code, message, raw) {
    super(message);
    this.status = status;
    this.code = code;
    this.raw = raw;
  }
}

/** Human hints for CompreFace's error codes; the server's own message is kept beside them. */
const ADMIN_HINTS = {
  1: 'Access denied: your account no longer exists. Log in again.',
  2: 'This application does not exist (it may have been deleted).',
  3: 'This service belongs to another application.',
  4: 'This email is already registered. Log in instead.',
  9: 'Your role does not allow this. Ask the application owner or an administrator.',
  10: 'This service does not exist (it may have been deleted).',
  14: 'Nobody can change their own role.',
  16: 'No user with this email. They need to sign up first, then you can invite them.',
  17: 'That name is already taken. Choose another.',
  18: 'The current password is incorrect.',
  19: 'This user is already a member of the application.',
  22: 'The email address is not valid.',
  24: 'The mail to this address could not be sent. Check the address.',
  29: 'Email is not enabled on this server: ask an administrator to set a new password for you.',
  30: 'This reset link is invalid, already used or expired. Ask for a new one.',
  36: 'Names cannot contain ; / or \\.',
};
const FACE_HINTS = {
  10: 'No service of this type has this API key. Check the key (copy it from the application page) and the service type.',
  20: 'An API key is required.',
  21: 'This file type is not supported. Use JPEG, PNG, BMP, GIF, TIFF, WEBP or ICO.',
  26: null,
  27: 'A re-embedding is already running: follow it in the jobs list.',
  28: 'No face was found in this picture. Try a sharper, front-facing photo.',
  31: 'This picture has more than one face. Use a photo of one person only.',
  34: 'Choose a picture first.',
  42: 'This subject no longer exists.',
  43: 'A subject with this name already exists.',
  44: 'This image no longer exists.',
};

async function parse(response) {
  const text = await response.text();
  if (!text) return null;
  try { return JSON.parse(text); } catch { return text; }
}

function toError(status, body, hints) {
  if (body && typeof body === 'object') {
    if (typeof body.error_description === 'string') {
      // OAuth2 answers of the token endpoint.
      if (body.error_description === 'Bad credentials') return new ApiError(status, body.error, 'Incorrect email or password.', body);
      if (body.error_description === 'User account is locked') {
        return new ApiError(status, body.error, 'Too many failed attempts: this account is locked for a while. Try again later.', body);
      }
      return new ApiError(status, body.error, body.error_description, body);
    }
    if (typeof body.message === 'string') {
      // Code 1 is also the refusal of a sign-up (closed, by invitation, owner setup): its message says it all.
      const hint = body.code === 1 && body.message !== 'Access denied' ? null : hints[body.code];
      const text = hint ? `${hint} (${body.message}; code ${body.code})` : `${body.message} (code ${body.code})`;
      return new ApiError(status, body.code, text, body);
    }
  }
  if (status === 413) return new ApiError(status, null, 'The picture is too large for the server (see its size limit).', body);
  if (status === 415) return new ApiError(status, null, 'The server did not accept this kind of upload.', body);
  if (status === 404) return new ApiError(status, null, 'Not available on this server (HTTP 404).', body);
  if (status === 405) return new ApiError(status, null, 'Not available on this server (HTTP 405).', body);
  if (status >= 500) return new ApiError(status, null, `The server had a problem (HTTP ${status}). Try again in a moment.`, body);
  return new ApiError(status, null, `Request failed (HTTP ${status}).`, body);
}

async function send(url, init, hints) {
  let response;
  try {
    response = await fetch(url, { credentials: 'same-origin', ...init });
  } catch {
    throw new ApiError(0, null, 'The server cannot be reached. Check that CompreFace is running.', null);
  }
  const body = await parse(response);
  if (!response.ok) throw toError(response.status, body, hints);
  return { status: response.status, body };
}

// ---- Admin API ---------------------------------------------------------------------------------------------------

/** Called when the session is gone for good (the refresh token failed too). */
let onLoggedOut = () => {};
export function setLoggedOutHandler(handler) { onLoggedOut = handler; }

/**
 * One refresh at a time: parallel calls that all met a 401 share it. A refresh token is single-use, and one spent
 * token presented again later ends the whole session on the server (docs/decisions/0023-accounts-and-sessions.md).
 */
let refreshing = null;
function refreshSession() {
  refreshing ??= refreshOnce().finally(() => { refreshing = null; });
  return refreshing;
}

async function refreshOnce() {
  const form = new FormData();
  form.append('grant_type', 'refresh_token');
  form.append('scope', 'all');
  try {
    await send('/admin/oauth/token', { method: 'POST', headers: { Authorization: CLIENT_BASIC }, body: form }, ADMIN_HINTS);
    return true;
  } catch {
    return false;
  }
}

/**
 * An admin call; a 401 tries the refresh cookie once, as CompreFace's UI does, then logs out (unless `quiet`: the
 * session probe, whose caller decides where to go). `body` is a JSON value, or a file (Blob) sent as it is with
 * `contentType` (an archive upload).
 */
export async function admin(method, path, body, { quiet = false, contentType } = {}) {
  const init = { method, headers: {} };
  if (body instanceof Blob) {
    init.headers['Content-Type'] = contentType ?? (body.type || 'application/octet-stream');
    init.body = body;
  } else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  try {
    return (await send('/admin' + path, init, ADMIN_HINTS)).body;
  } catch (error) {
    if (error.status !== 401) throw error;
    if (await refreshSession()) return (await send('/admin' + path, init, ADMIN_HINTS)).body;
    if (!quiet) onLoggedOut();
    throw new ApiError(401, null, 'Your session has ended. Log in again.', error.raw);
  }
}

export async function login(email, password) {
  const form = new FormData();
  form.append('grant_type', 'password');
  form.append('username', email);
  form.append('password', password);
  await send('/admin/oauth/token', { method: 'POST', headers: { Authorization: CLIENT_BASIC }, body: form }, ADMIN_HINTS);
}

export async function logout() {
  try {
    await send('/admin/oauth/token', { method: 'DELETE' }, ADMIN_HINTS);
  } catch {
    // Already logged out: the cookies are gone either way.
  }
}

/** An open admin call (no session): sign-up, forgot and reset password. */
export async function openAdmin(method, path, json) {
  return (await send('/admin' + path, {
    method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(json),
  }, ADMIN_HINTS)).status;
}

export async function register(user) {
  return (await send('/admin/user/register', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(user),
  }, ADMIN_HINTS)).status;
}

// ---- Face API ----------------------------------------------------------------------------------------------------

/**
 * A face API call with the service's key (null for the routes that need none: consistence/status, migrate); `body` is
 * FormData, a JSON value, or nothing.
 */
export async function face(apiKey, method, path, body) {
  const init = { method, headers: apiKey ? { 'x-api-key': apiKey } : {} };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  return (await send('/api/v1' + path, init, FACE_HINTS)).body;
}

/**
 * Shows a stored example's original picture in `img`: fetched with the key in the header and shown through a blob URL,
 * so the key never appears in a URL (access logs, history, Referer) and the picture is not left in the HTTP cache.
 */
export async function showExampleImage(img, apiKey, imageId) {
  const response = await fetch(`/api/v1/recognition/faces/${encodeURIComponent(imageId)}/img`, {
    headers: { 'x-api-key': apiKey }, cache: 'no-store',
  });
  if (!response.ok) return;
  const url = URL.createObjectURL(await response.blob());
  img.addEventListener('load', () => URL.revokeObjectURL(url), { once: true });
  img.addEventListener('error', () => URL.revokeObjectURL(url), { once: true });
  img.src = url;
}

/** Plugins this node can run (GET /core/status), cached; unknown slugs would be ignored by the server anyway. */
let pluginsPromise;
export function availablePlugins() {
  pluginsPromise ??= fetch('/core/status').then(r => r.json()).then(s => Object.keys(s.available_plugins ?? {})).catch(() => []);
  return pluginsPromise;
}

/** The face plugins the TEST pages ask for: the drawn ones that this node has. */
export async function testPlugins() {
  const wanted = ['landmarks', 'age', 'gender', 'mask', 'pose'];
  const available = await availablePlugins();
  return wanted.filter(p => p === 'landmarks' || available.includes(p)).join(',');
}

/** An archive's media type from its first bytes (zip, gzip, else tar): browsers guess .tar and .tgz differently. */
export async function archiveType(file) {
  const magic = new Uint8Array(await file.slice(0, 2).arrayBuffer());
  if (magic[0] === 0x50 && magic[1] === 0x4b) return 'application/zip';
  if (magic[0] === 0x1f && magic[1] === 0x8b) return 'application/gzip';
  return 'application/x-tar';
}

