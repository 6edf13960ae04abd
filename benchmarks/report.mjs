// Turns results/kernels.json and results/vae-epoch-*.json into the tables between the markers in
// benchmarks/README.md and the chart results/matmul.svg. Run by `npx pnpm@10 bench` after the
// measurements; `node benchmarks/report.mjs` alone redraws from the committed results.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const here = (p) => new URL(p, import.meta.url);
const k = JSON.parse(readFileSync(here('./results/kernels.json'), 'utf8'));
const fmt = (v, digits = 1) => (v === undefined ? '–' : v >= 100 ? v.toFixed(0) : v.toFixed(digits));
const best = (r, key) => (r.gflops ?? r.ms)[key];

const mm = k.rows.filter((r) => r.kind === 'matmul');
const ew = k.rows.filter((r) => r.kind !== 'matmul');
const columns = [...new Set(mm.flatMap((r) => Object.keys(r.ms)))];
const ours = `tensorgrad wasm ${k.threads}t`;
const lines = [];
lines.push(`Measured ${k.machine.date.slice(0, 10)} on ${k.machine.cpu} (${k.machine.cores} cores), Node ${k.machine.node}; peers ${k.peers.join(', ')}${k.torch ? `, PyTorch ${k.torch}` : ' (PyTorch not installed: its column is empty)'}. Command: \`node benchmarks/kernels.mjs\` (tinybench medians, the best of ${k.rounds ?? 1} rounds; every round and the spread in results/kernels.json).`);
lines.push('');
lines.push(`**Matmul, GFLOP/s** (higher is better). Operands in the layouts autodiff produces (\`A·Bᵀ\` for a forward pass, \`Aᵀ·B\` for a weight gradient), in each library's own memory before the timing (peers: uploaded; wasm: \`to('wasm')\`; the *host operands* columns: copied in on every call); each peer is also given them pre-transposed to row-major and keeps its faster time (both in results/kernels.json). Wasm SIMD peak of one core, measured by \`benchmarks/peak.mjs\`: **${k.wasmSimdPeakGflops1t} GFLOP/s**.`);
lines.push('');
lines.push(`| shape | ${columns.join(' | ')} | ${ours} ÷ tfjs-wasm | ÷ jax-js | wasm 1t % of peak |`);
lines.push(`|---|${columns.map(() => '---:').join('|')}|---:|---:|---:|`);
for (const r of mm) {
  const g = r.gflops;
  lines.push(`| ${r.id} | ${columns.map((c) => fmt(g[c])).join(' | ')} | ${fmt(g[ours] / g['tfjs-wasm'], 2)}× | ${fmt(g[ours] / g['jax-js'], 2)}× | ${fmt((100 * g['tensorgrad wasm 1t']) / k.wasmSimdPeakGflops1t, 0)} % |`);
}
const gpuFile = here('./results/gpu-matmul.json');
if (existsSync(gpuFile)) {
  const gpu = JSON.parse(readFileSync(gpuFile, 'utf8'));
  const gcols = [...new Set(gpu.rows.map((r) => r.column))];
  const gcases = [...new Set(gpu.rows.map((r) => r.case))];
  const at = (c, col) => gpu.rows.find((r) => r.case === c && r.column === col)?.gflops;
  lines.push('');
  lines.push(`**Matmul in every gpu.js mode, GFLOP/s**, next to the cpu and wasm backends (\`results/gpu-matmul.json\`, ${gpu.date.slice(0, 10)}, \`sh scripts/with-display.sh node benchmarks/gpu-matmul.mjs\`; each call includes reading the product back). No GPU here: every WebGL is a software rasterizer on the same cores.`);
  lines.push('');
  lines.push(`| shape | ${gcols.join(' | ')} |`);
  lines.push(`|---|${gcols.map(() => '---:').join('|')}|`);
  for (const c of gcases) lines.push(`| ${c} | ${gcols.map((col) => fmt(at(c, col), 2)).join(' | ')} |`);
}
lines.push('');
lines.push('**Elementwise and sum on 1M float32, milliseconds per call** (lower is better; operands in each library’s memory as above, results read back; tfjs-wasm runs on one thread in Node, the wasm backend shares exp and sigmoid out over its threads).');
lines.push('');
const ewCols = [...new Set(ew.flatMap((r) => Object.keys(r.ms)))];
const wasmCols = ewCols.filter((c) => c.startsWith('tensorgrad wasm'));
lines.push(`| op | ${ewCols.join(' | ')} | ${wasmCols.map((c) => `${c.slice(11)} ÷ tfjs-wasm (speed)`).join(' | ')} |`);
lines.push(`|---|${ewCols.map(() => '---:').join('|')}|${wasmCols.map(() => '---:').join('|')}|`);
for (const r of ew) lines.push(`| ${r.id} | ${ewCols.map((c) => fmt(r.ms[c], 3)).join(' | ')} | ${wasmCols.map((c) => `${fmt(r.ms['tfjs-wasm'] / r.ms[c], 2)}×`).join(' | ')} |`);

for (const f of ['vae-epoch.json', 'vae-epoch-wasm.json']) {
  if (!existsSync(here(`./results/${f}`))) continue;
  const v = JSON.parse(readFileSync(here(`./results/${f}`), 'utf8'));
  const row = v.rows[0];
  const keys = Object.keys(row).filter((c) => c.endsWith(' s') && row[c] !== null);
  lines.push('');
  lines.push(`**VAE epoch** (\`results/${f}\`, ${v.date.slice(0, 10)}, ${v.threads} threads): ${keys.map((c) => `${c.replace(/ s$/, '')} ${row[c]} s`).join(', ')}.`);
}

const readme = readFileSync(here('./README.md'), 'utf8');
const start = '<!-- results:start -->', end = '<!-- results:end -->';
if (!readme.includes(start)) throw new Error(`benchmarks/README.md needs the markers ${start} … ${end}`);
writeFileSync(here('./README.md'), readme.slice(0, readme.indexOf(start) + start.length) + '\n' + lines.join('\n') + '\n' + readme.slice(readme.indexOf(end)));

// Chart: one group of bars per matmul shape, one bar per column.
const palette = ['#9aa5b1', '#616e7c', '#f0b429', '#f7d070', '#cb6e17', '#f9a66c', '#7cc4fa', '#2186eb', '#8eedc7', '#27ab83', '#e12d39', '#a368fc'];
const W = 900, rowH = 14, groupGap = 18, left = 170, right = 70;
const maxG = Math.max(...mm.flatMap((r) => columns.map((c) => r.gflops[c] ?? 0)));
let y = 40;
const parts = [];
for (const r of mm) {
  parts.push(`<text x="8" y="${y + (columns.length * rowH) / 2}" font-size="12" dominant-baseline="middle">${r.id}</text>`);
  columns.forEach((c, i) => {
    const v = r.gflops[c];
    if (v === undefined) return;
    const w = ((W - left - right) * v) / maxG;
    parts.push(`<rect x="${left}" y="${y + i * rowH}" width="${w.toFixed(1)}" height="${rowH - 2}" fill="${palette[i % palette.length]}"/>`);
    parts.push(`<text x="${left + w + 4}" y="${y + i * rowH + rowH / 2}" font-size="10" dominant-baseline="middle">${fmt(v)}</text>`);
  });
  y += columns.length * rowH + groupGap;
}
const legend = columns.map((c, i) => `<rect x="${left + (i % 4) * 175}" y="${y + Math.floor(i / 4) * 16}" width="10" height="10" fill="${palette[i % palette.length]}"/><text x="${left + (i % 4) * 175 + 14}" y="${y + Math.floor(i / 4) * 16 + 9}" font-size="11">${c}</text>`);
const H = y + Math.ceil(columns.length / 4) * 16 + 10;
writeFileSync(here('./results/matmul.svg'), `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="8" y="20" font-size="14" font-weight="bold">Matmul GFLOP/s on ${k.machine.cpu}, ${k.machine.cores} cores (${k.machine.date.slice(0, 10)})</text>
${parts.join('\n')}
${legend.join('\n')}
</svg>
`);
console.log('wrote benchmarks/README.md tables and results/matmul.svg');
