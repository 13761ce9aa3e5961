// The official JavaScript SDK's flows (detect, recognize, collection, subjects, verification) against a running node,
// by default one on the embedded defaults at http://127.0.0.1:8000 (COMPREFACE_HOST, COMPREFACE_PORT override) with
// CompreFace's demo keys. Photos: two sample images from shared/ (COMPREFACE_SHARED). Prints one line per step and
// "N passed, N failed"; exits 1 when a step failed. Usage: tools/sdk-flows/README.md.
import { CompreFace } from '@exadel/compreface-js-sdk';
import fs from 'fs';
import path from 'path';
const shared = process.env.COMPREFACE_SHARED ?? '../../../../shared';
const samples = path.join(shared, 'data', 'compreface-samples', 'sample_images');
fs.copyFileSync(path.join(samples, '009_C.jpg'), './face.jpg');
fs.copyFileSync(path.join(samples, '001_A.jpg'), './other.jpg');
const core = new CompreFace(process.env.COMPREFACE_HOST ?? 'http://127.0.0.1', Number(process.env.COMPREFACE_PORT ?? 8000), { limit: 0, face_plugins: 'age,gender', status: 'true' });
const recognition = core.initFaceRecognitionService('00000000-0000-0000-0000-000000000002');
const detection = core.initFaceDetectionService('00000000-0000-0000-0000-000000000003');
const verification = core.initFaceVerificationService('00000000-0000-0000-0000-000000000004');
// The SDK's collection and subject objects keep the URL that verify and rename extend (an SDK quirk): a fresh one per call.
const faces = { get c() { return recognition.getFaceCollection(); } };
const subjects = { get c() { return recognition.getSubjects(); } };
const results = [];
async function step(name, fn, check) {
  try {
    const r = await fn();
    if (check && !check(r)) throw new Error('unexpected answer ' + JSON.stringify(r).slice(0, 300));
    results.push(`ok   ${name}`);
    return r;
  } catch (e) {
    results.push(`FAIL ${name}: ${e?.response?.status ?? ''} ${JSON.stringify(e?.response?.data ?? e.message).slice(0, 300)}`);
    return null;
  }
}
const base64 = fs.readFileSync('./face.jpg').toString('base64');
await step('detect (file path)', () => detection.detect('./face.jpg', { det_prob_threshold: 0.8 }), r => r.result?.length === 1 && r.result[0].age);
await step('detect (base64)', () => detection.detect(base64), r => r.result?.length === 1);
await step('subjects.add', () => subjects.c.add('Person C'), r => r.subject === 'Person C');
const added = await step('faces.add', () => faces.c.add('./face.jpg', 'Person C'), r => r.image_id && r.subject === 'Person C');
// The SDK appends options to add with a second '?': CompreFace stores the literal subject, and so does this node.
await step('faces.add with options (second ? quirk)', () => faces.c.add('./face.jpg', 'Person C', { det_prob_threshold: 0.8 }), r => r.subject === 'Person C?det_prob_threshold=0.8');
await step('faces.list', () => faces.c.list(), r => r.faces?.length >= 2);
await step('subjects.list', () => subjects.c.list(), r => r.subjects?.includes('Person C'));
await step('recognize', () => recognition.recognize('./face.jpg', { prediction_count: 2, det_prob_threshold: 0.8 }), r => r.result?.[0]?.subjects?.some(s => s.subject === 'Person C'));
await step('faces.verify by image id', () => faces.c.verify('./face.jpg', added?.image_id), r => r.result?.[0]?.similarity > 0.9);
await step('verification.verify', () => verification.verify('./face.jpg', './other.jpg'), r => r.result?.[0]?.face_matches?.length === 1);
await step('subjects.rename', () => subjects.c.rename('Person C', 'Person D'), r => r.updated === true);
await step('faces.delete', () => faces.c.delete(added?.image_id), r => r.image_id === added?.image_id);
// Deleting a subject deletes its faces (CompreFace); deleting by subject then finds none.
await step('subjects.delete', () => subjects.c.delete('Person D'), r => r.subject === 'Person D');
await step('faces.delete_all_subject', () => faces.c.delete_all_subject('Person D'), r => r.deleted === 0);
await step('faces.delete_all_subject (literal)', () => faces.c.delete_all_subject('Person C?det_prob_threshold=0.8'), r => r.deleted === 1);
console.log(results.join('\n'));
const failed = results.filter(r => r.startsWith('FAIL')).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
