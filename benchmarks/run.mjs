// All benchmarks, one after the other (the machine should otherwise be idle).
await import('./matmul.mjs');
await import('./vae-epoch.mjs');
