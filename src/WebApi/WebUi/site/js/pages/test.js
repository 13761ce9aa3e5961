// The TEST page of a service: upload a picture, see the faces drawn over it and the raw JSON answer.
import { admin, face, testPlugins } from '../api.js';
import { h, errorBox, filePicker, fmt, fill } from '../ui.js';
import { stage, drawFaces, pluginDetails, recognitionLabel, loadImage } from '../overlay.js';

export async function testPage(view, appId, serviceId) {
  const [app, service] = await Promise.all([admin('GET', `/app/${appId}`), admin('GET', `/app/${appId}/model/${serviceId}`)]);
  const crumbs = h('div.breadcrumbs', h('a', { href: '#/apps' }, 'Applications'), ' / ', h('a', { href: `#/apps/${appId}` }, app.name), ' / ',
    service.type === 'RECOGNITION' ? h('a', { href: `#/apps/${appId}/services/${serviceId}` }, service.name) : service.name, ' / test');
  const body = h('div');
  fill(view, crumbs, h('h1', `Test ${service.name}`, ' ', h('span.badge', service.type)), body);
  if (service.type === 'VERIFY') verifyTest(body, service.apiKey);
  else singleImageTest(body, service.apiKey, service.type);
}

/** Recognition and detection: one picture. */
function singleImageTest(body, key, type) {
  const recognition = type === 'RECOGNITION';
  const threshold = h('input', { type: 'number', name: 'threshold', min: 0, max: 1, step: 0.05, value: 0.5, style: { width: '5.5rem' } });
  const picture = h('div');
  const json = h('pre.json', { dataset: { testid: 'json' } }, 'The JSON response will appear here.');
  let last = null;
  const redraw = () => {
    if (!last) return;
    const { overlay, img, result } = last;
    drawFaces(overlay, img.naturalWidth, img.naturalHeight, result.map(f => recognition
      ? recognitionLabel(f, Number(threshold.value))
      : { box: f.box, landmarks: f.landmarks, name: `face ${fmt(f.box.probability, 3)}`, details: pluginDetails(f) }));
  };
  threshold.addEventListener('input', redraw);

  const run = async file => {
    last = null;
    json.textContent = '…';
    let img;
    try {
      img = await loadImage(file);
    } catch (error) {
      fill(picture, errorBox(error));
      return;
    }
    const s = stage(img);
    const status = h('p.muted', h('span.spinner'), recognition ? ' Recognising…' : ' Detecting…');
    fill(picture, s.el, status);
    const form = new FormData();
    form.append('file', file, file.name);
    const plugins = await testPlugins();
    try {
      const answer = recognition
        ? await face(key, 'POST', `/recognition/recognize?prediction_count=3&face_plugins=${plugins}`, form)
        : await face(key, 'POST', `/detection/detect?face_plugins=${plugins}`, form);
      json.textContent = JSON.stringify(answer, null, 2);
      last = { overlay: s.overlay, img, result: answer.result };
      redraw();
      fill(status, `${answer.result.length} face(s) found.`);
    } catch (error) {
      json.textContent = JSON.stringify(error.raw ?? { message: error.message }, null, 2);
      fill(status, errorBox(error));
    }
  };

  fill(body, h('div.test-grid',
    h('div.card',
      filePicker(recognition ? 'Choose or drop a photo to recognise' : 'Choose or drop a photo to find faces in', run, { testId: 'test-file' }),
      recognition ? h('p.row', h('label.inline', 'Similarity needed to name a face', threshold),
        h('span.muted', '0.5 separates the same person from different people.')) : null,
      h('div', { style: { marginTop: '.75rem' } }, picture)),
    h('div.card', h('h2', { style: { marginTop: 0 } }, 'Response'), json)));
  picture.append(recognition
    ? h('p.muted', 'Faces are named when their best match in this collection reaches the similarity above; add people on the collection page first.')
    : h('p.muted', 'Boxes, landmarks, age, gender, mask and head pose appear over the picture.'));
}

/** Verification: a source face and a target picture. */
function verifyTest(body, key) {
  const files = { source: null, target: null };
  const sides = {};
  const json = h('pre.json', { dataset: { testid: 'json' } }, 'Choose both pictures; the JSON response will appear here.');
  const status = h('div');
  const side = name => {
    const holder = h('div');
    sides[name] = { holder };
    const picker = filePicker(name === 'source' ? 'Source: a photo with one face' : 'Target: a photo to compare with it', async file => {
      try {
        const img = await loadImage(file);
        const s = stage(img);
        fill(holder, s.el);
        sides[name] = { holder, img, overlay: s.overlay };
        files[name] = file;
        await compare();
      } catch (error) {
        fill(holder, errorBox(error));
      }
    }, { testId: `verify-${name}` });
    return h('div', picker, h('div', { style: { marginTop: '.5rem' } }, holder));
  };

  const compare = async () => {
    if (!files.source || !files.target) return;
    fill(status, h('p.muted', h('span.spinner'), ' Comparing…'));
    const form = new FormData();
    form.append('source_image', files.source, files.source.name);
    form.append('target_image', files.target, files.target.name);
    try {
      const answer = await face(key, 'POST', `/verification/verify?face_plugins=${await testPlugins()}`, form);
      json.textContent = JSON.stringify(answer, null, 2);
      const [result] = answer.result;
      const src = result.source_image_face;
      drawFaces(sides.source.overlay, sides.source.img.naturalWidth, sides.source.img.naturalHeight,
        [{ box: src.box, landmarks: src.landmarks, name: 'source', details: pluginDetails(src) }]);
      drawFaces(sides.target.overlay, sides.target.img.naturalWidth, sides.target.img.naturalHeight, result.face_matches.map(m => ({
        box: m.box, landmarks: m.landmarks, unknown: m.similarity < 0.5,
        name: `${m.similarity >= 0.5 ? 'same person' : 'different person'} ${fmt(m.similarity)}`, details: pluginDetails(m),
      })));
      const best = Math.max(...result.face_matches.map(m => m.similarity));
      fill(status, h('p', { dataset: { testid: 'verdict' } }, best >= 0.5
        ? `Same person (best similarity ${fmt(best)}).` : `Different people (best similarity ${fmt(best)}).`));
    } catch (error) {
      json.textContent = JSON.stringify(error.raw ?? { message: error.message }, null, 2);
      fill(status, errorBox(error));
    }
  };

  fill(body, h('div.test-grid',
    h('div.card', h('div.pair.stacked', side('source'), side('target')), status,
      h('p.muted', 'Similarity of 0.5 or more means the same person.')),
    h('div.card', h('h2', { style: { marginTop: 0 } }, 'Response'), json)));
}
