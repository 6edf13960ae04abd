import { glu, logSoftmax, softmax, softmin, type GeluOptions, type SoftplusOptions, type Tensor } from '@tensorgrad/core';
import { Module } from '../module.js';

// The activation modules of torch.nn, each the core function of the same name with its
// arguments kept (a module holds no parameters here).

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}

/** x for x > 0, slope·x otherwise. */
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.leakyRelu(this.negativeSlope);
  }

  protected override extraRepr(): string {
    return `negative_slope=${this.negativeSlope}`;
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}

/** (1/β)·log(1 + e^{βx}), linear above βx = threshold (defaults β 1, threshold 20). */
export class Softplus extends Module {
  constructor(readonly options: SoftplusOptions = {}) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.softplus(this.options);
  }
}

export class ELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.elu(this.alpha);
  }
}

export class SELU extends Module {
  forward(x: Tensor): Tensor {
    return x.selu();
  }
}

export class CELU extends Module {
  constructor(readonly alpha = 1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.celu(this.alpha);
  }
}

export class Hardtanh extends Module {
  constructor(readonly minVal = -1, readonly maxVal = 1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.hardtanh(this.minVal, this.maxVal);
  }
}

export class ReLU6 extends Module {
  forward(x: Tensor): Tensor {
    return x.relu6();
  }
}

export class Hardsigmoid extends Module {
  forward(x: Tensor): Tensor {
    return x.hardsigmoid();
  }
}

export class Hardswish extends Module {
  forward(x: Tensor): Tensor {
    return x.hardswish();
  }
}

export class Mish extends Module {
  forward(x: Tensor): Tensor {
    return x.mish();
  }
}

export class LogSigmoid extends Module {
  forward(x: Tensor): Tensor {
    return x.logsigmoid();
  }
}

export class GELU extends Module {
  constructor(readonly options: GeluOptions = {}) {
    super();
  }

  forward(x: Tensor): Tensor {
    return x.gelu(this.options);
  }
}

export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return x.silu();
  }
}

/** softmax along `dim` (PyTorch's nn.Softmax(dim)). */
export class Softmax extends Module {
  constructor(readonly dim: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    return softmax(x, this.dim);
  }
}

export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    return logSoftmax(x, this.dim);
  }
}

export class Softmin extends Module {
  constructor(readonly dim: number) {
    super();
  }

  forward(x: Tensor): Tensor {
    return softmin(x, this.dim);
  }
}

export class GLU extends Module {
  constructor(readonly dim = -1) {
    super();
  }

  forward(x: Tensor): Tensor {
    return glu(x, this.dim);
  }
}
