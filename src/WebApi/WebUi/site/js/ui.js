// Small DOM helpers: element builder, toasts, confirmations, async button states.

/** h('button.secondary', {onclick}, 'text', child...) */
export function h(tag, attrs, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'style' && typeof value === 'object') Object.assign(el.style, value);
    else if (key in el && key !== 'list' && key !== 'form') el[key] = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  append(el, children);
  return el;
}

/** Replaces an element's children, skipping null/false ones (DOM's replaceChildren would print them as "null"). */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function toast(message, kind = 'info') {
  const el = h('div.toast' + (kind === 'error' ? '.error' : ''), { role: kind === 'error' ? 'alert' : 'status' }, message);
  document.getElementById('toasts').append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 8000 : 3500);
}

/** An inline error block (role=alert so it is announced and findable). */
export function errorBox(error) {
  return h('div.error', { role: 'alert' }, error?.message ?? String(error));
}

/** An empty state: what is missing and what to do next. */
export function empty(title, next, ...actions) {
  return h('div.empty', h('strong', title), h('span', next), actions.length ? h('div.row', { style: { justifyContent: 'center', marginTop: '.75rem' } }, actions) : null);
}

/** Runs an async action with the button disabled; errors go to `onError` (default: a toast). */
export async function busy(button, action, onError = e => toast(e.message, 'error')) {
  const label = button?.textContent;
  if (button) { button.disabled = true; button.textContent = '…'; }
  try {
    return await action();
  } catch (error) {
    onError(error);
    return undefined;
  } finally {
    if (button) { button.disabled = false; button.textContent = label; }
  }
}

/**
 * A form whose submit runs `action` with `button` busy; the inline `error` element is cleared on each submit and shows
 * a failure (the one way every page's forms report errors).
 */
export function actionForm(tag, button, error, action, ...children) {
  return h(tag, {
    onsubmit: async e => {
      e.preventDefault();
      fill(error);
      await busy(button, action, err => fill(error, errorBox(err)));
    },
  }, ...children);
}

export function confirmAction(message) {
  return window.confirm(message);
}

export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    toast('Copied to the clipboard');
  } catch {
    // Clipboard needs a secure context (https or localhost); fall back to a prompt the user can copy from.
    window.prompt('Copy the key:', text);
  }
}

/** Whether a file matches an `accept` list ("image/*", ".tar", "application/zip", comma-separated). */
function accepts(accept, file) {
  return accept.split(',').map(a => a.trim().toLowerCase()).some(a =>
    a.endsWith('/*') ? file.type.startsWith(a.slice(0, -1)) : a.startsWith('.') ? file.name.toLowerCase().endsWith(a) : file.type === a);
}

/** A file input that also accepts a dropped file (pictures unless `accept` says otherwise). */
export function filePicker(labelText, onFile, { multiple = false, testId, accept = 'image/*' } = {}) {
  const input = h('input', { type: 'file', accept, multiple, dataset: testId ? { testid: testId } : undefined });
  const zone = h('label.drop', h('span', labelText), input);
  input.addEventListener('change', () => { if (input.files.length) onFile(multiple ? [...input.files] : input.files[0]); });
  zone.addEventListener('dragover', e => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', e => {
    e.preventDefault();
    zone.classList.remove('over');
    const files = [...e.dataTransfer.files].filter(f => accepts(accept, f));
    if (files.length) onFile(multiple ? files : files[0]);
  });
  return zone;
}

export function fmt(number, digits = 2) {
  return typeof number === 'number' ? number.toFixed(digits) : '';
}

/**
 * A progress bar (role=progressbar, so tests and screen readers read its value) with a caption; a null `percent`
 * (total not known yet) draws an empty bar without a value.
 */
export function progressBar(percent, caption) {
  const value = typeof percent === 'number' ? Math.max(0, Math.min(100, percent)) : null;
  return h('div.progress', { dataset: { testid: 'progress' } },
    h('div.track', { role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': value ?? undefined, 'aria-label': caption },
      h('div.bar', { style: { width: `${value ?? 0}%` } })),
    h('span.muted', value === null ? caption : `${fmt(value, 0)} % · ${caption}`));
}

/**
 * Runs `tick` now and again after the delay (ms) it returns, until it returns null or the returned stop function is
 * called (pages call it when left: main.js onLeave). A failing tick goes to `onError` and is retried after `retryMs`.
 * `stop.now()` runs a tick at once and restarts the schedule from its delay: after an action that changes what the
 * tick shows (a job started), the page follows at the new pace instead of waiting out an idle delay.
 */
export function poll(tick, { onError = e => toast(e.message, 'error'), retryMs = 5000 } = {}) {
  let timer = null;
  let stopped = false;
  let latest = 0;
  const run = async () => {
    // Only the newest tick schedules the next one, so a tick asked for by now() while another runs leaves one schedule.
    const mine = ++latest;
    clearTimeout(timer);
    let delay;
    try {
      delay = await tick();
    } catch (error) {
      if (!stopped) onError(error);
      delay = retryMs;
    }
    if (!stopped && mine === latest && typeof delay === 'number') timer = setTimeout(run, delay);
  };
  const stop = () => { stopped = true; clearTimeout(timer); };
  stop.now = run;
  run();
  return stop;
}

/** Starts a download of a same-origin URL (the session cookie goes with it); the file streams to disk, never into memory. */
export function download(url) {
  const link = h('a', { href: url, download: '' });
  document.body.append(link);
  link.click();
  link.remove();
}

/** A time (ISO-8601) in the browser's local date and time, or '' when there is none. */
export function when(value) {
  return value ? new Date(value).toLocaleString([], { dateStyle: 'short', timeStyle: 'medium' }) : '';
}
