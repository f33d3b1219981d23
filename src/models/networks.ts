// The network a config describes: dense MLPs or convolutions.
import { specsOf } from '../nn/module.js';
import type { ParameterSpec } from '../nn/parameters.js';
import type { DenseConfig } from './config.js';
import { ConvNetwork } from './conv.js';
import { DenseNetwork } from './dense.js';
import type { Network } from './network.js';

export function networkFor(c: DenseConfig): Network {
  return c.network === 'conv' ? new ConvNetwork(c) : new DenseNetwork(c);
}

/** Parameter names and shapes of the model a config describes, in state_dict order. */
export function parameterSpecsFor(c: DenseConfig): ParameterSpec[] {
  return specsOf(networkFor(c).layers);
}
