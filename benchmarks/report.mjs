// Turns results/kernels.json, results/conv.json and results/vae-epoch-*.json into the tables
// between the markers in benchmarks/README.md and the chart results/matmul.svg. Run by
// `npx pnpm@10 bench` after the measurements; `node benchmarks/report.mjs` alone redraws from the committed results.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const here = (p) => new URL(p, import.meta.url);
const NODE24_COMMAND = '"$(npx -y -p node@24 which node | tail -1)" benchmarks/conv.mjs --out=benchmarks/results/conv-node24.json';
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

const convFile = here('./results/conv.json');
const conv = existsSync(convFile) ? JSON.parse(readFileSync(convFile, 'utf8')) : null;
if (conv !== null) {
  const c = conv;
  const tg = `tensorgrad wasm ${c.threads}t`, pt = `PyTorch ${c.threads}t`;
  const libs = [tg, 'tfjs-wasm', 'jax-js', pt];
  // Median of the rounds' medians, and in brackets the rounds' min–max (GFLOP/s from ms, or ms).
  const range = (t, digits) => (t.rounds.length > 1 ? ` (${fmt(t.lo, digits)}–${fmt(t.hi, digits)})` : '');
  const gcell = (t) => (t === undefined ? '–' : t.unsupported ? 'not supported¹' : `${fmt(t.gflops, t.gflops < 1 ? 2 : 1)}${range({ rounds: t.rounds, lo: (t.gflops * t.ms) / t.max, hi: (t.gflops * t.ms) / t.min }, t.gflops < 1 ? 2 : 1)}`);
  const mcell = (t) => (t === undefined ? '–' : t.unsupported ? 'not supported²' : `${fmt(t.ms, 2)}${range({ rounds: t.rounds, lo: t.min, hi: t.max }, 2)}`);
  const x = (v) => (v === null || v === undefined ? '–' : `${fmt(v, 2)}×`);
  const pct = (v) => (v === null || v === undefined ? '–' : `${fmt(100 * v, 0)} %`);
  const why = (rows, pass, lib) => rows.map((r) => r[pass][lib]?.unsupported).find((u) => u !== undefined);
  lines.push('');
  lines.push(`**Convolution, GFLOP/s** (higher is better; \`results/conv.json\`, ${c.machine.date.slice(0, 10)}, \`node benchmarks/conv.mjs\`, ${c.threads} threads: the wasm backend, jax-js and PyTorch; tfjs-wasm runs on one thread in Node). conv2d with bias, NCHW; flops 2·N·Cout·OH·OW·Cin·kh·kw per pass, 3 passes for *fwd+bwd* (forward, then ∂x, ∂w and ∂b for a fixed output gradient). Each cell is the median of ${c.rounds} rounds' medians, with the rounds' min–max; the libraries are interleaved within each round. Operands in each library's memory before the timing (\`to('wasm')\`; uploaded; tfjs-wasm's transposed once to NHWC and [kh, kw, Cin, Cout], outside the timing), results read back. Peak: twice the one-core Wasm SIMD peak (**${c.wasmSimdPeakGflops1t} GFLOP/s**).`);
  lines.push('');
  lines.push(`| layer | pass | ${libs.join(' | ')} | ${tg} ÷ tfjs-wasm | ÷ jax-js | ÷ PyTorch | % of 2-core peak |`);
  lines.push(`|---|---|${libs.map(() => '---:').join('|')}|---:|---:|---:|---:|`);
  for (const r of c.conv) {
    const q = r.ratios;
    lines.push(`| ${r.id} | forward | ${libs.map((l) => gcell(r.forward[l])).join(' | ')} | ${x(q['forward ÷ tfjs-wasm'])} | ${x(q['forward ÷ jax-js'])} | ${x(q['forward ÷ PyTorch'])} | ${pct(q['forward ÷ 2-core SIMD peak'])} |`);
    lines.push(`| | fwd+bwd | ${libs.map((l) => gcell(r['fwd+bwd'][l])).join(' | ')} | – | ${x(ratioOf(r['fwd+bwd'], tg, 'jax-js'))} | ${x(q['fwd+bwd ÷ PyTorch'])} | ${pct(q['fwd+bwd ÷ 2-core SIMD peak'])} |`);
  }
  const noGrad = why(c.conv, 'fwd+bwd', 'tfjs-wasm');
  if (noGrad) lines.push(`\n¹ tfjs-wasm: \`tf.grads\` of \`tf.fused.conv2d\` fails with “${noGrad}” (its wasm backend has Conv2DBackpropInput but no Conv2DBackpropFilter kernel).`);
  const gemmRows = c.conv.filter((r) => r.gemms);
  if (gemmRows.length) {
    lines.push('');
    lines.push(`**Convolution against its gemms** (the wasm backend, ${c.threads} threads, GFLOP/s, same run): the three products a convolution does, as plain row-major matmuls on operands already in the module (K = Cin·kh·kw, L = N·OH·OW): forward [Cout, K]·[K, L], input grad [K, Cout]·[Cout, L], weight grad [Cout, L]·[L, K]. *conv ÷ gemms* is the convolution's fwd+bwd GFLOP/s over the three gemms' combined (the target is ≥ 60 %).`);
    lines.push('');
    lines.push('| layer | forward gemm | input-grad gemm | weight-grad gemm | gemms combined | conv fwd+bwd | conv ÷ gemms |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of gemmRows) lines.push(`| ${r.id} | ${r.gemms.map((p) => `${gcell(p)}`).join(' | ')} | ${fmt(r.gemmsCombinedGflops)} | ${fmt(r['fwd+bwd'][tg]?.gflops)} | ${pct(r.ratios['fwd+bwd ÷ gemms'])} |`);
  }
  if (c.pool?.length) {
    const plibs = [tg, 'tfjs-wasm', pt];
    lines.push('');
    lines.push('**Max-pool, milliseconds per call** (lower is better; same run and conventions; *fwd+bwd* is the forward and ∂x for a fixed output gradient).');
    lines.push('');
    lines.push(`| op | pass | ${plibs.join(' | ')} | ${tg} ÷ PyTorch (speed) |`);
    lines.push(`|---|---|${plibs.map(() => '---:').join('|')}|---:|`);
    for (const r of c.pool) {
      for (const pass of ['forward', 'fwd+bwd']) lines.push(`| ${pass === 'forward' ? r.id : ''} | ${pass} | ${plibs.map((l) => mcell(r[pass][l])).join(' | ')} | ${x(r[pass][pt] && r[pass][tg] ? r[pass][pt].ms / r[pass][tg].ms : undefined)} |`);
    }
    const noPoolGrad = why(c.pool, 'fwd+bwd', 'tfjs-wasm');
    if (noPoolGrad) lines.push(`\n² tfjs-wasm: \`tf.grads\` of \`tf.maxPool\` fails with “${noPoolGrad}” (tfjs-core alone registers no gradients for its plain ops; they come with the \`@tensorflow/tfjs\` package, not installed here).`);
  }
}

function ratioOf(cols, a, b) {
  return cols[a]?.gflops && cols[b]?.gflops ? cols[a].gflops / cols[b].gflops : undefined;
}

for (const f of ['vae-epoch.json', 'vae-epoch-wasm.json', 'vae-epoch-conv.json']) {
  if (!existsSync(here(`./results/${f}`))) continue;
  const v = JSON.parse(readFileSync(here(`./results/${f}`), 'utf8'));
  if (v.runners === undefined) continue; // a file from before the interleaved rounds
  lines.push('');
  lines.push(`**${v.model === 'conv' ? 'ConvVAE' : 'VAE'} epoch, seconds** (\`results/${f}\`, ${v.date.slice(0, 10)}, ${v.threads} threads, ${v.rounds} interleaved rounds of ${v.epochsPerRound} epoch(s) per fresh process; \`${v.command}\`): medians with min–max.`);
  lines.push('');
  lines.push('| runner | seconds per epoch |');
  lines.push('|---|---:|');
  for (const r of v.runners) lines.push(`| ${r.name} | ${r.secondsPerEpoch.median} (${r.secondsPerEpoch.min}–${r.secondsPerEpoch.max}) |`);
  for (const [k, r] of Object.entries(v.ratios)) lines.push(`| *${k}* (per round) | ${r.median} (${r.min}–${r.max}) |`);
}

if (conv !== null && existsSync(here('./results/conv-node24.json'))) {
  // The same convolution run under another Node: its ratios, the ones the targets name.
  const v = JSON.parse(readFileSync(here('./results/conv-node24.json'), 'utf8')), node20 = conv;
  const r = (x) => (x === undefined ? '–' : `${x.toFixed(2)}×`);
  lines.push('');
  lines.push(`**Convolution on Node ${v.machine.node}** (\`results/conv-node24.json\`, ${v.machine.date.slice(0, 10)}, \`${NODE24_COMMAND}\`; same conventions). The one-core peak loop of \`peak.mjs\` runs at ${v.wasmSimdPeakGflops1t} GFLOP/s under this Node (against ${node20.wasmSimdPeakGflops1t} under ${node20.machine.node}), while the kernels run as fast as there, so no fraction of the peak is given here.`);
  lines.push('');
  lines.push('| layer | forward ÷ tfjs-wasm | fwd+bwd ÷ gemms | fwd+bwd ÷ PyTorch |');
  lines.push('|---|---:|---:|---:|');
  for (const c of v.conv) lines.push(`| ${c.id} | ${r(c.ratios['forward ÷ tfjs-wasm'])} | ${c.ratios['fwd+bwd ÷ gemms'] === undefined ? '–' : `${(100 * c.ratios['fwd+bwd ÷ gemms']).toFixed(0)} %`} | ${r(c.ratios['fwd+bwd ÷ PyTorch'])} |`);
  for (const p of v.pool) {
    const ours = p['fwd+bwd']['tensorgrad wasm 2t'].ms, torch = p['fwd+bwd']['PyTorch 2t'].ms;
    lines.push(`| ${p.id} | forward ${p.forward['tensorgrad wasm 2t'].ms.toFixed(2)} ms | fwd+bwd ${ours.toFixed(2)} ms (PyTorch ${torch.toFixed(2)}) | ${r(torch / ours)} PyTorch's speed |`);
  }
}

for (const f of ['vae-memory-mlp.json', 'vae-memory-conv.json']) {
  if (!existsSync(here(`./results/${f}`))) continue;
  const v = JSON.parse(readFileSync(here(`./results/${f}`), 'utf8'));
  const e = v.epochs;
  lines.push('');
  lines.push(`**Memory over ${e.length} epochs** of the ${v.model === 'conv' ? 'ConvVAE' : 'VAE'} (\`results/${f}\`, ${v.date.slice(0, 10)}, Node ${v.node}; \`${v.command}\`): the JS heap after a full collection and the wasm module's memory, after each epoch. From the second epoch on: heap ${v.fromEpoch2.heapMB.min}–${v.fromEpoch2.heapMB.max} MB, wasm memory ${v.fromEpoch2.wasmMB.min}–${v.fromEpoch2.wasmMB.max} MB.`);
  lines.push('');
  lines.push(`| epoch | ${e.map((r) => r.epoch).join(' | ')} |`);
  lines.push(`|---|${e.map(() => '---:').join('|')}|`);
  lines.push(`| heap MB | ${e.map((r) => r.heapMB).join(' | ')} |`);
  lines.push(`| wasm MB | ${e.map((r) => r.wasmMB).join(' | ')} |`);
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
