// A recognition service's archives (docs/export-format.md), for its application's owner and administrators: export
// (a download, with or without the photos), import of an archive made by export, and bulk enrolment of a zip or tar of
// subject/photo.jpg files, which runs as a job followed here to its end.
import { admin, archiveType } from '../api.js';
import { h, fill, busy, filePicker, errorBox, download, toast } from '../ui.js';
import { watchJob } from './jobs.js';

const TAR = '.tar,.tgz,.gz,application/x-tar,application/gzip';

/** The card; `changed()` runs after an import or enrolment added faces (the page shows its subjects again). */
export function transferCard(appId, serviceId, changed) {
  const base = `/app/${appId}/model/${serviceId}`;
  const result = h('div', { dataset: { testid: 'transfer-result' } });
  const images = h('input', { type: 'checkbox', name: 'exportImages', checked: true });
  const exportButton = h('button.secondary', { type: 'button', onclick: () => busy(exportButton, async () => {
    // An admin call first: it renews an ended session (a download cannot) and shows a refusal in words.
    await admin('GET', base);
    download(`/admin${base}/export?images=${images.checked}`);
  }) }, 'Export');

  /** Sends the chosen archive to `path`; the answer goes to `then`, an error (CompreFace's message and code) below. */
  const upload = (verb, path, then) => file => busy(null, async () => {
    fill(result, h('p.muted', h('span.spinner'), ` ${verb} ${file.name}…`));
    then(await admin('POST', path(file), file, { contentType: await archiveType(file) }));
  }, error => fill(result, errorBox(error)));

  const importPicker = filePicker('Import: choose or drop an archive made by Export (.tar, .tar.gz)', upload('Importing', () => `${base}/import`, answer => {
    // An import that a node runs in the background answers only its job's id: follow it; else the answer says what it did.
    if (answer?.facesAdded === undefined && answer?.jobId) {
      watchJob(result, answer.jobId, changed);
      return;
    }
    fill(result, importSummary(answer));
    changed();
  }), { accept: TAR, testId: 'import-file' });

  const enrolPicker = filePicker('Bulk enrol: choose or drop a zip or tar of subject/photo.jpg files (each folder is one person)',
    upload('Uploading', file => `${base}/enrol?name=${encodeURIComponent(file.name)}`, answer => {
      toast(`${answer.files} file(s) received`);
      watchJob(result, answer.jobId, changed);
    }), { accept: `.zip,application/zip,${TAR}`, testId: 'enrol-file' });

  return h('div.card', { dataset: { testid: 'transfer' } },
    h('h2', { style: { marginTop: 0 } }, 'Archives'),
    h('div.row', exportButton, h('label.inline', images, 'with the photos (needed to import into a node with another model)')),
    h('div.pair', importPicker, enrolPicker),
    result);
}

/** What an import did: counts, then the examples it skipped with their reason. */
function importSummary(answer) {
  return h('div', { role: 'status' },
    h('p', `Imported: ${answer.subjectsCreated} new subject(s), ${answer.facesAdded} face(s) added, ${answer.facesExisting} already there, `
      + `${answer.facesReembedded} re-computed from their photos, ${answer.problems} skipped. `, answer.jobId ? h('a', { href: '#/jobs' }, 'Jobs') : null),
    answer.problemDetails?.length
      ? h('ul', answer.problemDetails.map(p => h('li', `${p.subject ?? ''} ${p.id ?? ''}: ${p.reason}`)))
      : null);
}
