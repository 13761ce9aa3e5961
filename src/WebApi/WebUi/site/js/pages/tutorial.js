// The tutorial demo: with only a recognition API key, add named faces and recognise a photo. No login needed.
import { face } from '../api.js';
import { h, errorBox, busy, filePicker, toast, fill } from '../ui.js';
import { stage, drawFaces, recognitionLabel, loadImage } from '../overlay.js';

export const KEY_STORAGE = 'compreface.demoKey';

/**
 * A key field remembered for the browser tab (sessionStorage: a key is a credential). Never taken from the address: a
 * link carrying someone else's key would send the photos added here to that person's collection, and a key in the
 * address stays in the history.
 */
export function keyField() {
  const input = h('input', { type: 'text', name: 'apiKey', placeholder: '00000000-0000-0000-0000-000000000000', spellcheck: false,
    value: sessionStorage.getItem(KEY_STORAGE) ?? '', autocomplete: 'off', style: { fontFamily: 'monospace' } });
  input.addEventListener('change', () => sessionStorage.setItem(KEY_STORAGE, input.value.trim()));
  return input;
}

export async function tutorialPage(view) {
  const key = keyField();
  const keyStatus = h('div');
  const check = h('button.secondary', { type: 'button', onclick: () => busy(check, async () => {
    sessionStorage.setItem(KEY_STORAGE, key.value.trim());
    const { subjects } = await face(key.value.trim(), 'GET', '/recognition/subjects');
    fill(keyStatus, h('p', `The key works: this collection has ${subjects.length} subject(s)${subjects.length ? ': ' + subjects.slice(0, 10).join(', ') : ''}.`));
  }, err => fill(keyStatus, errorBox(err))) }, 'Check key');

  const name = h('input', { type: 'text', name: 'personName', placeholder: 'Name of the person in the photo', maxLength: 50 });
  const added = h('ul', { dataset: { testid: 'added' } });
  const addStatus = h('div');
  const addPicker = filePicker('Photo of that person (one face)', async file => {
    addStatus.replaceChildren();
    const subject = name.value.trim();
    if (!subject) { fill(addStatus, errorBox(new Error('Type the person\'s name first, then choose their photo.'))); return; }
    const form = new FormData();
    form.append('file', file, file.name);
    try {
      await face(key.value.trim(), 'POST', `/recognition/faces?subject=${encodeURIComponent(subject)}`, form);
      added.append(h('li', `${subject}: ${file.name}`));
      toast(`Added a face of ${subject}`);
      name.value = '';
    } catch (error) {
      fill(addStatus, errorBox(error));
    }
  }, { testId: 'tutorial-add' });

  const result = h('div');
  const recognise = filePicker('A photo to recognise (any number of faces)', async file => {
    const img = await loadImage(file).catch(e => { fill(result, errorBox(e)); return null; });
    if (!img) return;
    const s = stage(img);
    const status = h('p.muted', h('span.spinner'), ' Recognising…');
    fill(result, s.el, status);
    const form = new FormData();
    form.append('file', file, file.name);
    try {
      const answer = await face(key.value.trim(), 'POST', '/recognition/recognize?face_plugins=landmarks', form);
      drawFaces(s.overlay, img.naturalWidth, img.naturalHeight, answer.result.map(f => recognitionLabel(f, 0.5)));
      fill(status, `${answer.result.length} face(s). Names appear when the similarity is 0.5 or more.`);
    } catch (error) {
      fill(status, errorBox(error));
    }
  }, { testId: 'tutorial-recognize' });

  fill(view, h('h1', 'Tutorial: recognise faces in three steps'),
    h('ol.steps',
      h('li.card', h('h2', { style: { marginTop: 0 } }, 'Enter the API key of a recognition service'),
        h('p.muted', 'Find it on your application\'s page (log in, open an application, create a Recognition service, "Copy key").'),
        h('div.row', h('span.grow', key), check), keyStatus),
      h('li.card', h('h2', { style: { marginTop: 0 } }, 'Add faces with names'),
        h('p.muted', 'For each person: type the name, then choose a photo of them. Several photos per person help.'),
        h('label', 'Name', name), h('div', { style: { marginTop: '.5rem' } }, addPicker), addStatus, added),
      h('li.card', h('h2', { style: { marginTop: 0 } }, 'Recognise a photo'), recognise, h('div', { style: { marginTop: '.75rem' } }, result))));
}
