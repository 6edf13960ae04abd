// The graph behind one training step of the VAE: every op of the loss, from the parameters (by
// their names) and one batch of images to the scalar BCE + KL. Writes vae-loss.dot, and with
// Graphviz installed (Debian: apt-get install graphviz) renders it as vae-loss.svg.
//   node dist/main.js [out-dir]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, toDot } from '@tensorgrad/core';
import { mnist } from '@tensorgrad/nn';
import { VAE, vaeLoss } from '@tensorgrad/vae';

const out = process.argv[2] ?? '.';
mkdirSync(out, { recursive: true });
const model = new VAE({ generator: new Generator(1), noise: new Generator(2) });
const { images } = mnist({ split: 'test' }).getBatch([0, 1, 2, 3]);
const { recon, mu, logvar } = model.run(images);
const loss = vaeLoss(recon, images, mu, logvar).total;
loss.backward();

const dot = toDot(loss, { names: model.namedParameters(), showGrad: true });
writeFileSync(join(out, 'vae-loss.dot'), dot);
console.log(`wrote ${join(out, 'vae-loss.dot')} (${dot.split('\n').filter((l) => l.includes('[label=')).length} nodes)`);
try {
  execFileSync('dot', ['-Tsvg', join(out, 'vae-loss.dot'), '-o', join(out, 'vae-loss.svg')]);
  console.log(`wrote ${join(out, 'vae-loss.svg')}`);
} catch {
  console.log('Graphviz (dot) is not installed: render vae-loss.dot with `dot -Tsvg vae-loss.dot -o vae-loss.svg`');
}
