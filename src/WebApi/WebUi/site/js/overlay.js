// Draws faces over a picture: boxes, 5-point landmarks and labels as DOM elements positioned in percentages of the
// picture, so they stay on the faces however the picture is scaled (phone width, window resize) without redrawing.
import { h, fmt } from './ui.js';

/** A stage (picture + overlay) for an image or video element. */
export function stage(media) {
  const overlay = h('div.overlay', { dataset: { testid: 'overlay' } });
  return { el: h('div.stage', media, overlay), overlay, media };
}

/** Lines describing the plugin results of one face: "age 25–32 · female", "without mask", "yaw 3° pitch -2° roll 0°". */
export function pluginDetails(face) {
  const lines = [];
  const who = [face.age ? `age ${face.age.low}–${face.age.high}` : null, face.gender?.value].filter(Boolean).join(' · ');
  if (who) lines.push(who);
  if (face.mask) lines.push(face.mask.value.replaceAll('_', ' '));
  if (face.pose) lines.push(`yaw ${Math.round(face.pose.yaw)}° pitch ${Math.round(face.pose.pitch)}° roll ${Math.round(face.pose.roll)}°`);
  return lines;
}

/**
 * Replaces the overlay's contents. Each face: { box, landmarks?, name, details?: string[], unknown? } in picture pixels.
 * `width`/`height` are the picture's natural size, the coordinate space of the API's boxes.
 */
export function drawFaces(overlay, width, height, faces) {
  overlay.replaceChildren();
  if (!width || !height) return;
  const pct = (v, of) => `${(100 * v / of).toFixed(3)}%`;
  for (const face of faces) {
    const { x_min: x0, y_min: y0, x_max: x1, y_max: y1 } = face.box;
    const details = face.details ?? [];
    // Above the box when there is room, else below; anchored on the side that keeps it inside the picture.
    const scale = (overlay.clientHeight || height) / height;
    const labelHeight = 18 + 15 * details.length;
    const above = y0 * scale;
    const below = (height - y1) * scale;
    const placement = (above < labelHeight && below > above ? '.below' : '') + ((x0 + x1) / 2 > width / 2 ? '.right' : '');
    const label = h('div.face-label' + placement, { dataset: { testid: 'face-label' } },
      h('span.name', face.name ?? ''), details.map(line => h('span.details', line)));
    label.title = [face.name, ...details].join('\n');
    overlay.append(h('div.face-box' + (face.unknown ? '.unknown' : ''), {
      dataset: { testid: 'face-box' },
      style: { left: pct(x0, width), top: pct(y0, height), width: pct(x1 - x0, width), height: pct(y1 - y0, height) },
    }, label));
    for (const [x, y] of face.landmarks ?? []) {
      overlay.append(h('div.landmark', { style: { left: pct(x, width), top: pct(y, height) } }));
    }
  }
}

/** The label of a recognised face: the best subject when its similarity reaches the threshold, else "Unknown". */
export function recognitionLabel(face, threshold) {
  const best = face.subjects?.[0];
  const known = best && best.similarity >= threshold;
  const details = [best ? `${known ? 'similarity' : 'closest: ' + best.subject} ${fmt(best.similarity)}` : 'no subjects to compare with', ...pluginDetails(face)];
  return { box: face.box, landmarks: face.landmarks, name: known ? best.subject : 'Unknown', details, unknown: !known };
}

/** Loads a File into an <img>, resolving once its natural size is known. */
export function loadImage(file) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.alt = file.name;
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('This file is not a picture the browser can show.'));
    img.src = URL.createObjectURL(file);
  });
}
