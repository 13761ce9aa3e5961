// Long-running jobs (GET /admin/jobs, docs/decisions/0034-jobs-and-re-embedding.md): re-embeddings, exports, imports and
// bulk enrolments of the services the user manages, with their progress, cancel, and a bulk enrolment's per-file report.
// Also the pieces other pages show: one job followed to its end (after an upload) and a collection's re-embedding.
import { admin, face } from '../api.js';
import { h, fill, empty, busy, toast, confirmAction, progressBar, poll, when, errorBox, fmt } from '../ui.js';
import { onLeave, session } from '../main.js';

const KINDS = { reembed: 'Re-embedding', export: 'Export', import: 'Import', 'bulk-enrol': 'Bulk enrolment' };

/** How often a page asks again while a job it shows is unfinished, and otherwise (ms). */
const ACTIVE_POLL = 1500;
const IDLE_POLL = 10000;

export const isActive = job => job.state === 'queued' || job.state === 'running';

/** Items per second from the job's start to its end (or its last report); null before it ran a second. */
function rate(job) {
  if (!job.startedAt) return null;
  const seconds = (Date.parse(job.finishedAt ?? job.updatedAt) - Date.parse(job.startedAt)) / 1000;
  return seconds >= 1 ? (job.done + job.failed) / seconds : null;
}

/** A job's progress bar: done, failed and total (done + failed of total is its percent), faces per second, archive size, its error. */
export function jobProgress(job) {
  const perSecond = rate(job);
  const caption = `${job.done} done, ${job.failed} failed of ${job.total ?? '?'}`
    + (perSecond === null ? '' : ` · ${fmt(perSecond, 1)} faces/s`)
    + (typeof job.bytes === 'number' ? ` · ${fmt(job.bytes / 1048576, 1)} MB` : '');
  // The error says why a job failed, or what a cancelled one left behind.
  const note = job.state === 'failed' ? h('div.error', { role: 'alert' }, job.error) : h('div.muted', job.error);
  return [progressBar(job.percent, caption), job.error ? note : null];
}

/** The per-file CSV report of a finished bulk enrolment (a download with the session cookie). */
function reportLink(job) {
  return job.kind === 'bulk-enrol' && !isActive(job)
    ? h('a.button.secondary', { href: `/admin/app/${job.appId}/model/${job.serviceId}/enrol/${job.id}/report`, download: '', dataset: { testid: 'job-report' } }, 'Download report')
    : null;
}

/** Cancel for an unfinished job (the API refuses a finished one); after the request, "Cancelling…" until it stops. */
function cancelButton(job, refresh) {
  if (!isActive(job)) return null;
  if (job.cancelRequested) return h('span.muted', 'Cancelling…');
  const button = h('button.danger', { type: 'button', onclick: () => busy(button, async () => {
    if (!confirmAction(`Cancel this ${KINDS[job.kind] ?? job.kind}? What it has finished stays.`)) return;
    await admin('POST', `/jobs/${job.id}/cancel`);
    toast('Cancel requested');
    await refresh();
  }) }, 'Cancel');
  return button;
}

/**
 * Follows one job in `el` until it ends: state, progress, then the report (bulk enrolment) and a link to the jobs list;
 * `onEnd(job)` runs once when it has ended. Polling stops when the page is left.
 */
export function watchJob(el, jobId, onEnd) {
  onLeave(poll(async () => {
    const job = await admin('GET', `/jobs/${jobId}`);
    fill(el, h('div', { dataset: { testid: 'job', job: job.id } },
      h('div.row', h('strong.grow', `${KINDS[job.kind] ?? job.kind}: ${job.detail ?? ''}`), h('span.badge', { dataset: { testid: 'job-state' } }, job.state)),
      jobProgress(job),
      h('div.row', reportLink(job), h('a', { href: '#/jobs' }, 'All jobs'))));
    if (isActive(job)) return ACTIVE_POLL;
    onEnd?.(job);
    return null;
  }, { onError: error => fill(el, errorBox(error)) }));
}

/**
 * A collection's re-embedding, from the `migrations` field of GET /api/v1/consistence/status (anyone who sees the
 * collection, not only those who see the jobs list): shown while it runs, then once more with how it ended.
 */
export function watchMigration(el, serviceId) {
  let shown = false;
  onLeave(poll(async () => {
    const { migrations = [] } = await face(null, 'GET', '/consistence/status');
    const migration = migrations.find(m => m.serviceId === serviceId);
    if (!migration || (!shown && !isActive(migration))) return null;
    shown = true;
    fill(el, h('div.card', { dataset: { testid: 'migration' } },
      h('div.row', h('strong.grow', `Re-embedding ${migration.fromModel ?? ''} → ${migration.toModel ?? ''}`), h('span.badge', migration.state)),
      h('p.muted', 'Recognition answers from the old vectors until every face is re-computed, then switches at once.'),
      jobProgress(migration)));
    return isActive(migration) ? ACTIVE_POLL : null;
  }, { onError: () => {} }));
}

/** "Application / service" of a job, each application's names asked once per page. */
function targetNames() {
  const apps = new Map();
  return job => {
    if (!job.appId) return Promise.resolve(null);
    if (!apps.has(job.appId)) {
      apps.set(job.appId, Promise.all([admin('GET', `/app/${job.appId}`), admin('GET', `/app/${job.appId}/models`)])
        .then(([app, services]) => ({ name: app.name, services: new Map(services.map(s => [s.id, s.name])) }))
        .catch(() => null));
    }
    return apps.get(job.appId).then(app => h('a', { href: `#/apps/${job.appId}/services/${job.serviceId}` },
      app ? `${app.name} / ${app.services.get(job.serviceId) ?? 'deleted service'}` : job.serviceId));
  };
}

export async function jobsPage(view) {
  const target = targetNames();
  const rows = new Map();
  const tbody = h('tbody');
  const list = h('div');
  const problem = h('div');
  const model = h('div');

  // One row per job, kept across refreshes (a button being clicked is not replaced); cells are filled again.
  function row(job, label) {
    let entry = rows.get(job.id);
    if (!entry) {
      const cells = Array.from({ length: 6 }, (_, i) => h(i === 5 ? 'td.actions' : 'td'));
      entry = { tr: h('tr', { dataset: { testid: 'job', job: job.id } }, cells), cells, actions: null, problems: null };
      rows.set(job.id, entry);
    }
    const [what, where, state, progress, times, actions] = entry.cells;
    fill(what, h('strong', KINDS[job.kind] ?? job.kind), h('div.muted', job.detail ?? '', job.createdBy ? ` (${job.createdBy})` : ''));
    fill(where, label);
    fill(state, h('span.badge', { dataset: { testid: 'job-state' } }, job.state));
    fill(progress, jobProgress(job));
    fill(times, when(job.startedAt ?? job.createdAt), job.finishedAt ? h('div.muted', `until ${when(job.finishedAt)}`) : null);
    const actionsKey = `${job.state}/${job.cancelRequested}/${job.failed > 0}`;
    if (entry.actions !== actionsKey) {
      entry.actions = actionsKey;
      fill(actions, cancelButton(job, refresh), job.failed > 0 ? problemsButton(job, entry) : null, reportLink(job));
    }
    return [entry.tr, entry.problems];
  }

  /** Shows (or hides again) the job's report of failed items under its row: what could not be processed, and why. */
  function problemsButton(job, entry) {
    const button = h('button.secondary', { type: 'button', onclick: () => busy(button, async () => {
      if (entry.problems) {
        entry.problems.remove();
        entry.problems = null;
        return;
      }
      const items = await admin('GET', `/jobs/${job.id}/items?limit=200`);
      entry.problems = h('tr', { dataset: { testid: 'job-problems' } }, h('td', { colSpan: 6 }, h('ul', items.map(item =>
        h('li', `${item.item}: ${item.outcome}`, item.message ? h('span.muted', ` (${item.message})`) : null)))));
      entry.tr.after(entry.problems);
    }) }, 'Problems');
    return button;
  }

  async function refresh() {
    const jobs = await admin('GET', '/jobs?limit=100');
    const labels = await Promise.all(jobs.map(target));
    fill(problem);
    if (!jobs.length) {
      fill(list, empty('No jobs yet', 'Re-embeddings, exports, imports and bulk enrolments of the services you manage (as their application\'s owner or administrator) appear here.'));
    } else {
      fill(tbody, jobs.map((job, i) => row(job, labels[i])));
      if (!tbody.isConnected) {
        fill(list, h('div.table-wrap', h('table.jobs', { dataset: { testid: 'jobs' } },
          h('thead', h('tr', ['Job', 'Service', 'State', 'Progress', 'Started', ''].map(t => h('th', t)))), tbody)));
      }
    }
    return jobs.some(isActive) ? ACTIVE_POLL : IDLE_POLL;
  }

  fill(view, h('h1', 'Jobs'),
    h('p.muted', 'Long-running work, newest first. The list refreshes itself while a job runs; a cancelled job stops at its next step and keeps what it finished.'),
    session.user?.isAdmin ? model : null,
    h('div.card', problem, list));
  const polling = poll(refresh, { onError: error => fill(problem, errorBox(error)) });
  onLeave(polling);
  if (session.user?.isAdmin) await modelCard(model, polling.now);
}

/**
 * For the global owner and administrators: whether stored faces were computed by another model than this node's, and
 * the button that re-embeds them (POST /api/v1/migrate: every such collection, as CompreFace's migrate does).
 */
async function modelCard(el, refresh) {
  const status = await face(null, 'GET', '/consistence/status');
  const stale = status.dbIsInconsistent || status.demoFaceCollectionIsInconsistent;
  const start = h('button', { type: 'button', onclick: () => busy(start, async () => {
    await face(null, 'POST', '/migrate');
    toast('Re-embedding started');
    // The list polls slowly while no job runs: this tick shows the new job and switches it to following it closely.
    await refresh();
    await modelCard(el, refresh);
  }) }, 'Re-embed now');
  fill(el, h('div.card', { dataset: { testid: 'model-status' } }, h('h2', { style: { marginTop: 0 } }, 'Embedding model'), stale
    ? [h('p', 'Some collections hold faces computed by another model than this node\'s; recognition does not match them until they are re-computed from their stored photos. Recognition keeps answering from the old vectors while that runs.'), start]
    : h('p.muted', 'Every stored face was computed by this node\'s model.')));
}
