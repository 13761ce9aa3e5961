// The webcam demo: live recognition from the camera, a few frames a second, boxes and names over the video.
import { face } from '../api.js';
import { h, errorBox, fill } from '../ui.js';
import { stage, drawFaces, recognitionLabel } from '../overlay.js';
import { onLeave } from '../main.js';
import { keyField } from './tutorial.js';

/** At most this many requests a second: enough to follow a face, light on a CPU-only server. */
const MAX_FPS = 4;

export async function webcamPage(view) {
  const key = keyField();
  const video = h('video', { autoplay: true, muted: true, playsInline: true, dataset: { testid: 'webcam-video' } });
  const s = stage(video);
  const status = h('div', { dataset: { testid: 'webcam-status' } });
  const canvas = document.createElement('canvas');
  let stream = null;
  let running = false;

  const stop = () => {
    running = false;
    stream?.getTracks().forEach(t => t.stop());
    stream = null;
    startButton.disabled = false;
    stopButton.disabled = true;
  };
  onLeave(stop);

  const loop = async () => {
    // Answer times of the last few frames: the rate shown is over them, not since the start.
    const answered = [];
    while (running) {
      const begin = performance.now();
      if (video.videoWidth) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        canvas.getContext('2d').drawImage(video, 0, 0);
        const blob = await new Promise(resolve => canvas.toBlob(resolve, 'image/jpeg', 0.85));
        const form = new FormData();
        form.append('file', blob, 'frame.jpeg');
        try {
          const answer = await face(key.value.trim(), 'POST', '/recognition/recognize?det_prob_threshold=0.8', form);
          if (!running) break;
          drawFaces(s.overlay, canvas.width, canvas.height, answer.result.map(f => recognitionLabel(f, 0.5)));
          answered.push(performance.now());
          if (answered.length > 10) answered.shift();
          const rate = answered.length > 1 ? (answered.length - 1) * 1000 / (answered.at(-1) - answered[0]) : 0;
          fill(status, h('span.muted', `${answer.result.length} face(s)` + (rate ? ` · ${rate.toFixed(1)} frames/s` : '')));
        } catch (error) {
          if (error.code === 28) {
            // No face in this frame: clear the boxes and keep going.
            s.overlay.replaceChildren();
            fill(status, h('span.muted', 'No face in view.'));
          } else {
            fill(status, errorBox(error));
            stop();
            break;
          }
        }
      }
      const wait = 1000 / MAX_FPS - (performance.now() - begin);
      if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait));
    }
  };

  const startButton = h('button', { type: 'button', onclick: async () => {
    status.replaceChildren();
    if (!key.value.trim()) { fill(status, errorBox(new Error('Enter the API key of a recognition service first.'))); return; }
    if (!navigator.mediaDevices?.getUserMedia) {
      fill(status, errorBox(new Error('This browser gives no camera access here. Open the page over https or on localhost.')));
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
    } catch (error) {
      fill(status, errorBox(new Error(`The camera could not be opened (${error.name}). Allow camera access for this page and try again.`)));
      return;
    }
    sessionStorage.setItem('compreface.demoKey', key.value.trim());
    video.srcObject = stream;
    await video.play().catch(() => {});
    running = true;
    startButton.disabled = true;
    stopButton.disabled = false;
    loop();
  } }, 'Start camera');
  const stopButton = h('button.secondary', { type: 'button', disabled: true, onclick: stop }, 'Stop');

  fill(view, h('h1', 'Webcam demo'),
    h('div.card',
      h('p.muted', 'Live recognition from your camera, a few frames a second. Use the API key of a recognition service whose collection has faces (see the ',
        h('a', { href: '#/demo/tutorial' }, 'tutorial'), '). Frames go only to this server.'),
      h('div.row', h('label.grow', 'API key', key), startButton, stopButton), status),
    h('div.card', s.el));
}
