// A recognition service's collection: subjects, their example pictures, upload and delete; for its application's owner
// and administrators also export, import and bulk enrolment; a re-embedding of the collection with its progress.
import { admin, face, showExampleImage } from '../api.js';
import { h, busy, empty, toast, confirmAction, filePicker, fill, actionForm } from '../ui.js';
import { navigate, session } from '../main.js';
import { transferCard } from './transfer.js';
import { watchMigration } from './jobs.js';

export async function collectionPage(view, appId, serviceId) {
  const [app, service] = await Promise.all([admin('GET', `/app/${appId}`), admin('GET', `/app/${appId}/model/${serviceId}`)]);
  if (service.type !== 'RECOGNITION') { navigate(`/apps/${appId}/services/${serviceId}/test`); return; }
  const key = service.apiKey;
  const selected = new URLSearchParams(location.hash.split('?')[1] ?? '').get('subject');
  const here = subject => `/apps/${appId}/services/${serviceId}` + (subject ? `?subject=${encodeURIComponent(subject)}` : '');
  const subjectList = h('div');
  const counts = h('span');
  const detail = h('div');
  let subjects = [];
  // Drawn again after an import or bulk enrolment, without leaving the page (its progress stays visible).
  const showSubjects = async (counted = service) => {
    ({ subjects } = await face(key, 'GET', '/recognition/subjects'));
    fill(counts, `${counted.subjectCount ?? subjects.length} subjects, ${counted.imageCount ?? 0} stored pictures. `);
    fill(subjectList, subjects.length
      ? h('ul.subjects', { dataset: { testid: 'subjects' } }, subjects.map(s =>
        h('li', h('a', { href: '#' + here(s), className: s === selected ? 'active' : '' }, s))))
      : h('p.muted', 'None yet: add a person by name, then upload photos of them.'));
    if (selected) return;
    fill(detail, subjects.length
      ? empty('Choose a subject', 'Pick a name in the list of subjects to see and add their photos.')
      : empty('This collection is empty', 'Add a subject (a person) by name, then upload one or more photos with exactly one face each. Then open "Test recognition".'));
  };
  await showSubjects();
  const manage = session.user?.isAdmin || app.role === 'OWNER' || app.role === 'ADMINISTRATOR';
  const migration = h('div');

  const error = h('div');
  const newName = h('input', { type: 'text', name: 'subjectName', placeholder: 'Name, e.g. Ada Lovelace', maxLength: 50, required: true });
  const add = h('button', { type: 'submit' }, 'Add subject');
  const addForm = actionForm('form.row', add, error, async () => {
    const created = await face(key, 'POST', '/recognition/subjects', { subject: newName.value.trim() });
    navigate(here(created.subject));
  }, h('span.grow', newName), add);

  fill(view,
    h('div.breadcrumbs', h('a', { href: '#/apps' }, 'Applications'), ' / ', h('a', { href: `#/apps/${appId}` }, app.name), ' / ', service.name),
    h('div.row', h('h1.grow', `${service.name}: faces`), h('a.button', { href: `#/apps/${appId}/services/${serviceId}/test` }, 'Test recognition')),
    h('p.muted', counts, 'API key ', h('span.key', key)),
    migration,
    manage ? transferCard(appId, serviceId, () => admin('GET', `/app/${appId}/model/${serviceId}`).then(showSubjects).catch(() => {})) : null,
    h('div.split',
      h('div.card', h('h2', { style: { marginTop: 0 } }, 'Subjects'), addForm, error, subjectList),
      h('div.card', detail)));
  watchMigration(migration, serviceId);

  if (!selected) return;
  await subjectDetail(detail, key, selected, () => navigate(here(selected)), () => navigate(here(null)));
}

async function subjectDetail(el, key, subject, reload, gone) {
  const { faces } = await face(key, 'GET', `/recognition/faces?subject=${encodeURIComponent(subject)}&size=200`);
  const status = h('div');
  const upload = filePicker('Upload photos of this person (one face per photo): choose or drop files', async files => {
    fill(status, h('p.muted', h('span.spinner'), ` Adding ${files.length} photo(s)…`));
    const problems = [];
    for (const file of files) {
      const form = new FormData();
      form.append('file', file, file.name);
      try {
        await face(key, 'POST', `/recognition/faces?subject=${encodeURIComponent(subject)}`, form);
      } catch (err) {
        problems.push(`${file.name}: ${err.message}`);
      }
    }
    if (problems.length) {
      fill(status, h('div.error', { role: 'alert' }, h('strong', 'Some photos were not added:'), h('ul', problems.map(p => h('li', p)))));
      if (problems.length < files.length) toast(`${files.length - problems.length} photo(s) added`);
      return;
    }
    toast(`${files.length} photo(s) added`);
    reload();
  }, { multiple: true, testId: 'example-upload' });

  const rename = h('button.secondary', { type: 'button', onclick: () => busy(rename, async () => {
    const name = window.prompt('New name (an existing name merges the two subjects)', subject);
    if (!name || name.trim() === subject) return;
    await face(key, 'PUT', `/recognition/subjects/${encodeURIComponent(subject)}`, { subject: name.trim() });
    navigate(location.hash.slice(1).replace(/subject=.*/, `subject=${encodeURIComponent(name.trim())}`));
  }) }, 'Rename');
  const remove = h('button.danger', { type: 'button', onclick: () => busy(remove, async () => {
    if (!confirmAction(`Delete "${subject}" and all their photos?`)) return;
    await face(key, 'DELETE', `/recognition/subjects/${encodeURIComponent(subject)}`);
    toast('Subject deleted');
    gone();
  }) }, 'Delete subject');

  const thumbs = faces.map(f => {
    const del = h('button.danger', { type: 'button', title: 'Delete this photo', onclick: () => busy(del, async () => {
      if (!confirmAction('Delete this photo?')) return;
      await face(key, 'DELETE', `/recognition/faces/${f.image_id}`);
      toast('Photo deleted');
      reload();
    }) }, 'Delete');
    const img = h('img', { alt: `Photo of ${subject}` });
    showExampleImage(img, key, f.image_id);
    return h('div.thumb', { dataset: { testid: 'example' } },
      img,
      h('div.row', h('span.key', f.image_id.slice(0, 8)), del));
  });

  fill(el,
    h('div.row', h('h2.grow', { style: { marginTop: 0 } }, subject), rename, remove),
    upload, status,
    faces.length
      ? h('div.thumbs', { style: { marginTop: '1rem' } }, thumbs)
      : empty('No photos yet', `Upload a clear photo of ${subject}; more photos (different light, angles) make recognition more reliable.`));
}
