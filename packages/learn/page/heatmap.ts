// A tensor's values as a small picture: one cell per element, red for positive and blue for
// negative, each scaled by the tensor's largest |value| (printed beside it). The cells are drawn
// once into a canvas and used as an SVG <image>, so a 64×8 weight costs one element, not 512.
import { maxAbs } from './format.js';

/** Rows × columns to draw a tensor of this shape as: its last dim across, the rest down. */
export function grid(shape: readonly number[]): [rows: number, cols: number] {
  if (shape.length === 0) return [1, 1];
  const cols = shape[shape.length - 1];
  return [shape.slice(0, -1).reduce((a, b) => a * b, 1), cols];
}

/** Pixel size of the picture for `shape` within `maxW` × `maxH`, cells square and at most 14 px. */
export function heatmapSize(shape: readonly number[], maxW: number, maxH: number): [w: number, h: number] {
  const [rows, cols] = grid(shape);
  const cell = Math.min(14, maxW / cols, maxH / rows);
  return [Math.max(1, Math.round(cols * cell)), Math.max(1, Math.round(rows * cell))];
}

/** Diverging colour of v/scale ∈ [−1, 1]: white at 0, red at +1, blue at −1. */
export function colour(t: number): [number, number, number] {
  const u = Math.max(-1, Math.min(1, Number.isFinite(t) ? t : 0));
  const k = Math.abs(u);
  return u >= 0 ? [255, Math.round(255 * (1 - 0.78 * k)), Math.round(255 * (1 - 0.85 * k))] : [Math.round(255 * (1 - 0.85 * k)), Math.round(255 * (1 - 0.6 * k)), 255];
}

const cache = new Map<string, string>();

/** A PNG data URL of the values, one pixel per element (drawn scaled up, pixelated). */
export function heatmapUrl(values: readonly number[], shape: readonly number[]): string {
  const key = `${shape.join('x')}:${values.join(',')}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const [rows, cols] = grid(shape);
  const canvas = document.createElement('canvas');
  canvas.width = cols;
  canvas.height = rows;
  const img = new ImageData(cols, rows);
  const scale = maxAbs(values) || 1;
  values.forEach((v, i) => {
    const [r, g, b] = colour(v / scale);
    img.data.set([r, g, b, 255], i * 4);
  });
  canvas.getContext('2d')!.putImageData(img, 0, 0);
  const url = canvas.toDataURL('image/png');
  if (cache.size > 2000) cache.clear();
  cache.set(key, url);
  return url;
}
