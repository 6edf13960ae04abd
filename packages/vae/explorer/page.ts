// The latent-space explorer's page: loads the checkpoint the CLI serves, decodes with tensorgrad in
// the browser (wasm SIMD by default; cpu, or gpu.js WebGL2 where it runs), and wires the controls.
// Bundled by scripts/build-explorer.mjs; served by `tensorgrad-vae explore` (src/explore.ts).
import { Generator, backendInfo, listBackends, noGrad, randn, setBackend, tensor, tidy } from '@tensorgrad/core';
import { parseSafetensors } from '@tensorgrad/nn';
import { vaeFromStateDict } from '../src/model-files.js';
import type { VAEBase } from '../src/model.js';

interface TestSet { labels: number[]; images: string }

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const RANGE = 3;

let model: VAEBase;
let z: number[] = [];
let means: number[][] = [];
let labels: number[] = [];
const sliderDims: number[] = [];

/** Decodes codes `[n, d]` to pixel probabilities (timed, shown in the status bar). */
function decode(codes: number[][]): Float32Array {
  const t0 = performance.now();
  // A memory scope: the decoder's intermediates stay in wasm memory and are freed at once; only the
  // pixels (read inside, so copied out) leave it.
  const out = tidy(() => noGrad(() => model.decode(tensor(codes.flat(), { shape: [codes.length, model.latent] })).data)) as Float32Array;
  $('timing').textContent = `${(performance.now() - t0).toFixed(2)} ms`;
  return out;
}

/** Latent means of images `[n, 784]`. */
function encode(x: Float32Array, n: number): number[][] {
  const mu = tidy(() => noGrad(() => model.encode(tensor(x, { shape: [n, 784] })).mu.data));
  return Array.from({ length: n }, (_, i) => Array.from(mu.subarray(i * model.latent, (i + 1) * model.latent)));
}

/** Draws 28×28 images (values in [0, 1]) as a cols-wide grid on `canvas`, scaled to fill it. */
function paint(canvas: HTMLCanvasElement, pixels: Float32Array, count = 1, cols = 1): void {
  const rows = Math.ceil(count / cols);
  const src = document.createElement('canvas');
  src.width = 28 * cols;
  src.height = 28 * rows;
  const img = new ImageData(src.width, src.height);
  for (let k = 0; k < count; k++) {
    for (let p = 0; p < 784; p++) {
      const x = (k % cols) * 28 + (p % 28), y = Math.floor(k / cols) * 28 + Math.floor(p / 28);
      const v = Math.round(Math.min(1, Math.max(0, pixels[k * 784 + p])) * 255);
      const at = (y * src.width + x) * 4;
      img.data[at] = img.data[at + 1] = img.data[at + 2] = v;
      img.data[at + 3] = 255;
    }
  }
  src.getContext('2d')!.putImageData(img, 0, 0);
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(src, 0, 0, canvas.width, canvas.height);
}

/** Decodes z into the main digit (and its exact 28×28 copy, which the tests read). */
function redraw(): void {
  const px = decode([z]);
  paint($('digit-src'), px);
  paint($('digit'), px);
  drawPlane();
}

// ---- sliders ----------------------------------------------------------------------------------

function buildSliders(): void {
  const box = $('sliders');
  box.textContent = '';
  const n = Math.min(6, model.latent);
  for (let i = 0; i < n; i++) {
    sliderDims[i] = i;
    const row = document.createElement('div');
    row.className = 'row';
    const pick = document.createElement('select');
    for (let d = 0; d < model.latent; d++) pick.add(new Option(`z${d}`, String(d), d === i, d === i));
    const range = Object.assign(document.createElement('input'), { type: 'range', min: String(-RANGE), max: String(RANGE), step: '0.01', value: '0' });
    range.dataset.slider = String(i);
    const val = Object.assign(document.createElement('span'), { className: 'val', textContent: '0.00' });
    pick.onchange = () => {
      sliderDims[i] = Number(pick.value);
      syncSliders();
      drawPlane();
    };
    range.oninput = () => {
      z[sliderDims[i]] = Number(range.value);
      val.textContent = Number(range.value).toFixed(2);
      redraw();
    };
    row.append(pick, range, val);
    box.append(row);
  }
}

function syncSliders(): void {
  document.querySelectorAll<HTMLInputElement>('#sliders input[type=range]').forEach((r, i) => {
    r.value = String(z[sliderDims[i]]);
    (r.nextElementSibling as HTMLElement).textContent = z[sliderDims[i]].toFixed(2);
  });
}

function setZ(next: number[]): void {
  z = next.map((v) => Math.max(-RANGE, Math.min(RANGE, v)));
  syncSliders();
  redraw();
}

// ---- the plane ------------------------------------------------------------------------------

/** The plane of the first two slider dims (for a 2-D model, the whole latent space). */
const planeDims = (): [number, number] => [sliderDims[0] ?? 0, sliderDims[1] ?? Math.min(1, model.latent - 1)];

function drawPlane(): void {
  const canvas = $<HTMLCanvasElement>('plane');
  const ctx = canvas.getContext('2d')!;
  const s = canvas.width;
  const toPx = (v: number) => ((v + RANGE) / (2 * RANGE)) * s;
  const [a, b] = planeDims();
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, s, s);
  ctx.strokeStyle = '#e2e8f0';
  for (let g = -RANGE; g <= RANGE; g++) {
    ctx.beginPath();
    ctx.moveTo(toPx(g), 0); ctx.lineTo(toPx(g), s);
    ctx.moveTo(0, toPx(g)); ctx.lineTo(s, toPx(g));
    ctx.stroke();
  }
  means.forEach((m, i) => {
    ctx.fillStyle = COLORS[labels[i]];
    ctx.globalAlpha = 0.55;
    ctx.beginPath();
    ctx.arc(toPx(m[a]), s - toPx(m[b]), 2.5, 0, 2 * Math.PI);
    ctx.fill();
  });
  ctx.globalAlpha = 1;
  ctx.strokeStyle = '#0f172a';
  ctx.fillStyle = '#facc15';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.arc(toPx(z[a]), s - toPx(z[b]), 7, 0, 2 * Math.PI);
  ctx.fill();
  ctx.stroke();
  ctx.lineWidth = 1;
  $('plane-note').textContent = `Drag the point through z${a} (→) and z${b} (↑). Dots: ${means.length} test images encoded to their means, coloured by label.`;
}

function wirePlane(): void {
  const canvas = $<HTMLCanvasElement>('plane');
  let dragging = false;
  const move = (e: PointerEvent) => {
    const r = canvas.getBoundingClientRect();
    const [a, b] = planeDims();
    const next = [...z];
    next[a] = ((e.clientX - r.left) / r.width) * 2 * RANGE - RANGE;
    next[b] = RANGE - ((e.clientY - r.top) / r.height) * 2 * RANGE;
    setZ(next);
  };
  canvas.onpointerdown = (e) => {
    dragging = true;
    canvas.setPointerCapture(e.pointerId);
    move(e);
  };
  canvas.onpointermove = (e) => dragging && move(e);
  canvas.onpointerup = () => (dragging = false);
  $('legend').innerHTML = COLORS.map((c, d) => `<span><i style="background:${c}"></i>${d}</span>`).join('');
}

// ---- interpolation ----------------------------------------------------------------------------

function wireInterpolation(): void {
  const from = $<HTMLSelectElement>('from'), to = $<HTMLSelectElement>('to'), t = $<HTMLInputElement>('t');
  const present = [...new Set(labels)].sort((x, y) => x - y);
  for (const d of present) {
    from.add(new Option(String(d), String(d)));
    to.add(new Option(String(d), String(d)));
  }
  from.value = present.includes(0) ? '0' : String(present[0]);
  to.value = present.includes(6) ? '6' : String(present[present.length - 1]);
  const show = () => {
    const za = means[labels.indexOf(Number(from.value))], zb = means[labels.indexOf(Number(to.value))];
    const k = Number(t.value);
    $('t-val').textContent = k.toFixed(2);
    paint($('interp'), decode([za.map((v, i) => (1 - k) * v + k * zb[i])]));
  };
  from.onchange = to.onchange = t.oninput = show;
  let playing = 0;
  $('play').onclick = () => {
    if (playing) {
      cancelAnimationFrame(playing);
      playing = 0;
      return;
    }
    const start = performance.now();
    const step = (now: number) => {
      const phase = ((now - start) / 2500) % 2;
      t.value = String(phase < 1 ? phase : 2 - phase);
      show();
      playing = requestAnimationFrame(step);
    };
    playing = requestAnimationFrame(step);
  };
  show();
}

// ---- drawing ----------------------------------------------------------------------------------

function wireDrawing(): void {
  const canvas = $<HTMLCanvasElement>('draw');
  const ink = new Float32Array(784);
  let down = false;
  const stroke = (e: PointerEvent) => {
    const r = canvas.getBoundingClientRect();
    const cx = ((e.clientX - r.left) / r.width) * 28, cy = ((e.clientY - r.top) / r.height) * 28;
    // A soft round brush about two pixels wide, like a pen on MNIST's scans.
    for (let y = Math.floor(cy - 2); y <= cy + 2; y++) {
      for (let x = Math.floor(cx - 2); x <= cx + 2; x++) {
        if (x < 0 || y < 0 || x >= 28 || y >= 28) continue;
        const d = Math.hypot(x + 0.5 - cx, y + 0.5 - cy);
        ink[y * 28 + x] = Math.max(ink[y * 28 + x], Math.min(1, Math.max(0, 1.6 - d / 1.1)));
      }
    }
    paint(canvas, ink);
  };
  canvas.onpointerdown = (e) => {
    down = true;
    canvas.setPointerCapture(e.pointerId);
    stroke(e);
  };
  canvas.onpointermove = (e) => down && stroke(e);
  canvas.onpointerup = () => {
    down = false;
    const [mu] = encode(ink, 1);
    paint($('recon'), decode([mu]));
    setZ(mu);
  };
  $('clear').onclick = () => {
    ink.fill(0);
    paint(canvas, ink);
    paint($('recon'), new Float32Array(784));
  };
  paint(canvas, ink);
  paint($('recon'), ink);
}

// ---- samples ----------------------------------------------------------------------------------

let sampleSeed = 1;
function drawSamples(): void {
  const codes = randn([16, model.latent], { generator: new Generator(sampleSeed++) });
  const rows = Array.from({ length: 16 }, (_, i) => Array.from(codes.data.subarray(i * model.latent, (i + 1) * model.latent)));
  paint($('samples'), decode(rows), 16, 4);
}

// ---- backends -------------------------------------------------------------------------------

async function useBackend(name: string): Promise<void> {
  if (name === 'gpu') await import('@tensorgrad/core/gpu');
  setBackend(name);
  const info = backendInfo();
  const extra = name === 'gpu' ? ` (${String((info as Record<string, unknown>).mode ?? 'gpu.js')})` : name === 'wasm' ? ' (SIMD)' : ' (reference)';
  $('backend-info').textContent = extra;
}

async function wireBackends(): Promise<void> {
  const select = $<HTMLSelectElement>('backend');
  const names = listBackends().filter((n) => n === 'wasm' || n === 'cpu');
  const webgl2 = document.createElement('canvas').getContext('webgl2') !== null;
  for (const n of [...names, ...(webgl2 ? ['gpu'] : [])]) select.add(new Option(n, n));
  select.value = names.includes('wasm') ? 'wasm' : 'cpu';
  await useBackend(select.value);
  select.onchange = async () => {
    try {
      await useBackend(select.value);
      redraw();
    } catch (e) {
      $('error').textContent = `cannot use ${select.value}: ${(e as Error).message}`;
    }
  };
}

// ---- start --------------------------------------------------------------------------------

async function main(): Promise<void> {
  const [bytes, info, test] = await Promise.all([
    fetch('checkpoint.safetensors').then((r) => r.arrayBuffer()),
    fetch('info.json').then((r) => r.json() as Promise<{ checkpoint: string; model: string }>),
    fetch('test-set.json').then((r) => r.json() as Promise<TestSet>),
  ]);
  await wireBackends();
  model = vaeFromStateDict(parseSafetensors(new Uint8Array(bytes), info.checkpoint).tensors, info.checkpoint).eval();
  $('model').textContent = `${info.checkpoint} — ${info.model}`;
  labels = test.labels;
  const raw = Uint8Array.from(atob(test.images), (c) => c.charCodeAt(0));
  means = encode(Float32Array.from(raw, (v) => v / 255), labels.length);
  z = new Array<number>(model.latent).fill(0);
  buildSliders();
  wirePlane();
  wireInterpolation();
  wireDrawing();
  drawSamples();
  $('sample').onclick = drawSamples;
  $('zero').onclick = () => setZ(new Array<number>(model.latent).fill(0));
  $('random').onclick = () => setZ(Array.from(randn([model.latent]).data));
  redraw();
  // What the browser test reads: the current code, and a ready flag.
  (globalThis as { explorer?: unknown }).explorer = { ready: true, z: () => [...z], latent: model.latent };
}

main().catch((e: Error) => {
  $('error').textContent = e.message;
  (globalThis as { explorerError?: string }).explorerError = e.message;
});

