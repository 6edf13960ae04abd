// A character-level GPT trained on The Devil's Dictionary: it learns to continue text one
// character at a time, and must beat a bigram model (the next character from the previous one
// alone) on held-out text. Then it writes some definitions of its own.
//
//   node dist/main.js [--steps 1500] [--batch 16] [--block 64] [--layers 2] [--heads 4] [--dim 64]
//                     [--lr 6e-3] [--warmup 100] [--weight-decay 0.1] [--dropout 0] [--eval-every 200]
//                     [--attention sdpa|manual] [--seed 0] [--sample-chars 400] [--temperature 0.8]
//                     [--top-k 10] [--data path/to/text.txt]
//
// Prints the bigram baseline, the losses as it trains, the final validation loss against the
// baseline, and samples.
import { Generator, emptyCache, manualSeed, noGrad, tensor } from '@tensorgrad/core';
import { AdamW, CosineAnnealingLR, LinearLR, SequentialLR, clipGradNorm, crossEntropy } from '@tensorgrad/nn';
import { DEFAULT_CORPUS, bigramLoss, evalWindows, getBatch, loadCorpus, ngramLoss } from './data.js';
import { GPT, type AttentionImpl } from './model.js';
import { generate } from './sample.js';

function flag(name: string, fallback: number, integer = true): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const v = Number(process.argv[at + 1]);
  if (!Number.isFinite(v) || v < 0 || (integer && !Number.isInteger(v))) {
    console.error(`char-gpt: --${name} needs a ${integer ? 'whole' : 'non-negative'} number, got ${process.argv[at + 1]}`);
    process.exit(2);
  }
  return v;
}

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at < 0 || process.argv[at + 1] === undefined ? fallback : process.argv[at + 1];
}

const steps = flag('steps', 1500), batch = flag('batch', 16), block = flag('block', 64);
const nLayer = flag('layers', 2), nHead = flag('heads', 4), nEmbd = flag('dim', 64);
const lr = flag('lr', 6e-3, false), warmup = Math.min(flag('warmup', 100), steps), weightDecay = flag('weight-decay', 0.1, false);
const dropout = flag('dropout', 0, false), evalEvery = flag('eval-every', 200), seed = flag('seed', 0);
const sampleChars = flag('sample-chars', 400), temperature = flag('temperature', 0.8, false), topK = flag('top-k', 10);
const attention = option('attention', 'sdpa');
if (attention !== 'sdpa' && attention !== 'manual') {
  console.error(`char-gpt: --attention is sdpa or manual, got ${attention}`);
  process.exit(2);
}

manualSeed(seed); // the model's initial weights come from the global generator
const batches = new Generator(seed + 1), sampling = new Generator(seed + 2);
const { tokenizer, train, val } = loadCorpus(option('data', DEFAULT_CORPUS));
const model = new GPT({ vocabSize: tokenizer.vocabSize, blockSize: block, nLayer, nHead, nEmbd, dropout, attention: attention as AttentionImpl });
const bigram = bigramLoss(train, val, tokenizer.vocabSize);
console.log(`${train.length + val.length} characters (${train.length} training, ${val.length} validation), vocabulary ${tokenizer.vocabSize}`);
console.log(`model: ${nLayer} layers, ${nHead} heads, width ${nEmbd}, context ${block}, attention ${attention}; ${model.numParameters()} parameters`);
console.log(`bigram baseline (add-one smoothing): validation loss ${bigram.toFixed(4)}`);
console.log(`trigram baseline (add-0.1 smoothing), for scale: validation loss ${ngramLoss(train, val, tokenizer.vocabSize, 3, 0.1).toFixed(4)}`);

// AdamW over two groups (decay / no decay), β₂ = 0.99 as nanoGPT's small character models.
// Schedule, stepped once per optimizer step: a linear warmup from lr/100 over `warmup` steps (Adam's
// second-moment estimates are noisy at first; small early steps keep them from throwing the weights
// far), then a cosine from lr down to lr/10 over the rest: lr_t = lr_min + ½(lr − lr_min)(1 + cos(π·t/t_max)).
const opt = new AdamW(model.paramGroups(weightDecay), { lr, betas: [0.9, 0.99] });
const schedule = new SequentialLR(opt, {
  schedulers: [
    new LinearLR(opt, { startFactor: 0.01, endFactor: 1, totalIters: Math.max(warmup, 1) }),
    new CosineAnnealingLR(opt, { tMax: Math.max(steps - warmup, 1), etaMin: lr / 10 }),
  ],
  milestones: [warmup],
});

/**
 * Mean cross-entropy (nats per character) over the given validation windows, in eval mode and
 * without a tape. Logits [B, T, vocab] are reshaped to [B·T, vocab] against targets [B·T]: every
 * position is one classification (crossEntropy also takes [B, vocab, T], PyTorch's class-at-dim-1
 * layout, via logits.transpose(1, 2)).
 */
function evaluate(windows: { x: Int32Array; y: Int32Array }[]): number {
  model.eval();
  let total = 0, count = 0;
  noGrad(() => {
    for (let i = 0; i < windows.length; i += 32) {
      const group = windows.slice(i, i + 32), n = group.length;
      const x = new Int32Array(n * block), y = new Int32Array(n * block);
      group.forEach((w, j) => { x.set(w.x, j * block); y.set(w.y, j * block); });
      const logits = model.forward(tensor(x, { shape: [n, block] }));
      total += crossEntropy(logits.reshape(n * block, -1), tensor(y), { reduction: 'sum' }).item();
      count += n * block;
    }
  });
  model.train();
  return total / count;
}

const quickVal = evalWindows(val, block, 64), fullVal = evalWindows(val, block);
const start = Date.now();
const seconds = (): string => `${((Date.now() - start) / 1000).toFixed(1)} s`;
console.log(`step ${0}: val loss ${evaluate(quickVal).toFixed(4)} (uniform guessing: ${Math.log(tokenizer.vocabSize).toFixed(4)})`);
let runningLoss = 0, runningSteps = 0;
for (let step = 1; step <= steps; step++) {
  const { x, y } = getBatch(train, batch, block, batches);
  const loss = crossEntropy(model.forward(x).reshape(batch * block, -1), y.reshape(-1));
  opt.zeroGrad();
  loss.backward();
  clipGradNorm(model.parameters(), 1); // rare large gradients (early on) cannot throw the weights far
  opt.step();
  schedule.step();
  runningLoss += loss.item();
  runningSteps++;
  if (step % evalEvery === 0 || step === steps) {
    const lrNow = opt.paramGroups[0].lr;
    console.log(`step ${step}: train loss ${(runningLoss / runningSteps).toFixed(4)}, val loss ${evaluate(quickVal).toFixed(4)}, lr ${lrNow.toExponential(2)}, ${seconds()}`);
    runningLoss = 0;
    runningSteps = 0;
  }
  await emptyCache();
}
const trainSeconds = (Date.now() - start) / 1000;
const final = evaluate(fullVal);
console.log(`validation loss ${final.toFixed(4)} vs bigram ${bigram.toFixed(4)} (all ${fullVal.length} validation windows of ${block}); trained ${steps} steps in ${trainSeconds.toFixed(1)} s`);

for (const prompt of ['\n', 'GRADIENT, n.  ']) {
  const text = tokenizer.decode(generate(model, tokenizer.encode(prompt), sampleChars, { temperature, topK: topK === 0 ? undefined : topK, generator: sampling }));
  console.log(`\n--- sample (temperature ${temperature}, top-k ${topK === 0 ? 'off' : topK}), prompt ${JSON.stringify(prompt)} ---\n${prompt}${text}`);
}
