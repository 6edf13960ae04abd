// A small convolutional network classifies MNIST: two conv blocks (convolution, BatchNorm, ReLU,
// 2×2 max-pooling), then one linear layer over the 7×7 feature maps. Adam, batch 128, the
// learning rate a third after each epoch (StepLR).
//
//   node dist/main.js [--epochs 2] [--limit-train N] [--limit-test N] [--seed 0]
//
// Prints the loss as it trains and the test accuracy after each epoch.
import { emptyCache, manualSeed, noGrad, type Tensor } from '@tensorgrad/core';
import {
  Adam, BatchNorm2d, Conv2d, DataLoader, Flatten, Linear, MaxPool2d, Module, ReLU, Sequential, StepLR, crossEntropy, mnist,
} from '@tensorgrad/nn';

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const v = Number(process.argv[at + 1]);
  if (!Number.isInteger(v) || v < 0) {
    console.error(`mnist-cnn: --${name} needs a whole number, got ${process.argv[at + 1]}`);
    process.exit(2);
  }
  return v;
}

const epochs = flag('epochs', 2), limitTrain = flag('limit-train', 60_000), limitTest = flag('limit-test', 10_000);
manualSeed(flag('seed', 0));

class Net extends Module {
  features = new Sequential(
    new Conv2d(1, 16, 3, { padding: 1 }), new BatchNorm2d(16), new ReLU(), new MaxPool2d(2), // 16 × 14 × 14
    new Conv2d(16, 32, 3, { padding: 1 }), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2), // 32 × 7 × 7
  );
  classifier = new Sequential(new Flatten(), new Linear(32 * 7 * 7, 10));
  forward(images: Tensor): Tensor {
    return this.classifier.forward(this.features.forward(images.reshape(-1, 1, 28, 28)));
  }
}

const train = mnist({ split: 'train' }).take(limitTrain), test = mnist({ split: 'test' }).take(limitTest);
const model = new Net();
const opt = new Adam(model.parameters(), { lr: 1e-3 });
const schedule = new StepLR(opt, { stepSize: 1, gamma: 0.3 });
console.log(`${model.parameters().reduce((n, p) => n + p.numel(), 0)} parameters; ${train.length} training images, ${test.length} test images`);

function accuracy(): number {
  model.eval();
  let correct = 0;
  noGrad(() => {
    for (const { images, labels } of new DataLoader(test, { batchSize: 1000 })) {
      correct += model.forward(images).argmax(1).eq(labels).sum().item();
    }
  });
  model.train();
  return correct / test.length;
}

for (let epoch = 1; epoch <= epochs; epoch++) {
  const start = Date.now();
  let seen = 0, total = 0, steps = 0;
  for (const { images, labels } of new DataLoader(train, { batchSize: 128, shuffle: true })) {
    opt.zeroGrad();
    const loss = crossEntropy(model.forward(images), labels);
    loss.backward();
    opt.step();
    total += loss.item();
    steps++;
    seen += labels.shape[0];
    if (steps % 50 === 0) process.stdout.write(`\repoch ${epoch}: ${seen}/${train.length} images, loss ${(total / steps).toFixed(4)}`);
    await emptyCache();
  }
  schedule.step();
  const acc = accuracy();
  process.stdout.write(`\repoch ${epoch}: loss ${(total / steps).toFixed(4)}, test accuracy ${(100 * acc).toFixed(2)} % (${((Date.now() - start) / 1000).toFixed(1)} s)\n`);
}
