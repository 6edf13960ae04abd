// All benchmarks, one after the other (the machine should otherwise be idle). Run through
// `npx pnpm@10 bench`, which provides the X display the gpu backend's headless-gl needs.
await import('./matmul.mjs');
await import('./gpu-matmul.mjs');
await import('./vae-epoch.mjs');
