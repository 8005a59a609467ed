/**
 * The forecaster: brain.js 1.6.1 recurrent time-step nets (LSTMTimeStep or GRUTimeStep, one
 * input, one output) trained on robust-scaled windows; prediction runs on our own compiled
 * forward pass over the trained weights, which computes exactly what brain's `run` computes
 * (checked in a unit test) without brain's per-call graph building, so 1,000 series forecast
 * in well under a second.
 *
 * Note on brain 1.6.1's LSTM: its "cell" is the previous hidden output (it has no separate cell
 * state); the compiled pass reproduces that, since the weights were trained that way.
 */
import { recurrent } from 'brain.js';

export type ForecasterKind = 'lstm' | 'gru';

interface MatrixJson {
  rows: number;
  columns: number;
  weights: ArrayLike<number>;
}

/** brain's toJSON() of an RNNTimeStep net (the parts we read). */
export interface BrainNetJson {
  type: string;
  options: { hiddenLayers: number[]; inputSize: number; outputSize: number };
  hiddenLayers: Record<string, MatrixJson>[];
  outputConnector: MatrixJson;
  output: MatrixJson;
}

export interface TrainOptions {
  kind: ForecasterKind;
  /** Scaled sequences; each is learned as "predict the next value from the ones before". */
  sequences: number[][];
  hiddenSize?: number;
  iterations?: number;
  learningRate?: number;
  errorThresh?: number;
}

export interface TrainedNet {
  kind: ForecasterKind;
  net: BrainNetJson;
  /** brain's training error at the end. */
  loss: number;
  iterations: number;
  trainMs: number;
}

/** Synchronous (brain's recurrent training is): run it in a worker thread, see training.ts. */
export function trainNet(options: TrainOptions): TrainedNet {
  const started = performance.now();
  const Net = options.kind === 'lstm' ? recurrent.LSTMTimeStep : recurrent.GRUTimeStep;
  const net = new Net({
    inputSize: 1,
    hiddenLayers: [options.hiddenSize ?? 6],
    outputSize: 1,
    learningRate: options.learningRate ?? 0.01,
  } as ConstructorParameters<typeof recurrent.LSTMTimeStep>[0]);
  const state = net.train(options.sequences as never, {
    iterations: options.iterations ?? 60,
    errorThresh: options.errorThresh ?? 0.0005,
  }) as { error: number; iterations: number };
  return {
    kind: options.kind,
    net: net.toJSON() as unknown as BrainNetJson,
    loss: state.error,
    iterations: state.iterations,
    trainMs: performance.now() - started,
  };
}

/** brain's own `run` over a sequence (slow; for checking the compiled pass). */
export function brainRun(json: BrainNetJson, sequence: number[]): number {
  const Net = json.type === 'GRUTimeStep' ? recurrent.GRUTimeStep : recurrent.LSTMTimeStep;
  const net = new Net();
  net.fromJSON(json as never);
  return (net.run(sequence as never) as unknown as number) ?? NaN;
}

export interface CompiledForecaster {
  kind: ForecasterKind;
  /** The net's output after reading the whole sequence: its one-step-ahead forecast. */
  next(sequence: ArrayLike<number>): number;
  /** `steps` forecasts, each fed back in as the next input (what brain's `forecast` does). */
  forecast(sequence: ArrayLike<number>, steps: number): number[];
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function w(m: MatrixJson | undefined, name: string): Float64Array {
  if (!m) throw new Error(`model lacks matrix ${name}`);
  return Float64Array.from(m.weights);
}

/** Compiles a single-hidden-layer LSTMTimeStep / GRUTimeStep JSON into a fast forward pass. */
export function compileForecaster(json: BrainNetJson): CompiledForecaster {
  const layer = json.hiddenLayers[0];
  if (!layer || json.hiddenLayers.length !== 1) throw new Error('only one hidden layer is supported');
  const kind: ForecasterKind = json.type === 'GRUTimeStep' ? 'gru' : 'lstm';
  const h = json.outputConnector.columns;
  const outW = w(json.outputConnector, 'outputConnector');
  const outB = w(json.output, 'output')[0] ?? 0;
  // Input size is 1, so every "…Matrix" (h × 1) is a vector.
  const names =
    kind === 'lstm'
      ? [
          'inputMatrix',
          'inputHidden',
          'inputBias',
          'forgetMatrix',
          'forgetHidden',
          'forgetBias',
          'outputMatrix',
          'outputHidden',
          'outputBias',
          'cellActivationMatrix',
          'cellActivationHidden',
          'cellActivationBias',
        ]
      : [
          'updateGateInputMatrix',
          'updateGateHiddenMatrix',
          'updateGateBias',
          'resetGateInputMatrix',
          'resetGateHiddenMatrix',
          'resetGateBias',
          'cellWriteInputMatrix',
          'cellWriteHiddenMatrix',
          'cellWriteBias',
        ];
  const m = Object.fromEntries(names.map((n) => [n, w(layer[n], n)])) as Record<string, Float64Array>;
  const hidden = new Float64Array(h);
  const next = new Float64Array(h);
  const g1 = new Float64Array(h);
  const g2 = new Float64Array(h);
  const g3 = new Float64Array(h);
  const rh = new Float64Array(h);

  // gate[r] = Wx[r]·x + Σc Wh[r,c]·hidden[c] + b[r]
  const gate = (
    wx: Float64Array,
    wh: Float64Array,
    b: Float64Array,
    x: number,
    state: Float64Array,
    r: number,
  ): number => {
    let s = (wx[r] ?? 0) * x + (b[r] ?? 0);
    const base = r * h;
    for (let c = 0; c < h; c++) s += (wh[base + c] ?? 0) * (state[c] ?? 0);
    return s;
  };

  const step = (x: number): void => {
    if (kind === 'lstm') {
      for (let r = 0; r < h; r++) {
        g1[r] = sigmoid(gate(m.inputMatrix!, m.inputHidden!, m.inputBias!, x, hidden, r));
        g2[r] = sigmoid(gate(m.forgetMatrix!, m.forgetHidden!, m.forgetBias!, x, hidden, r));
        g3[r] = sigmoid(gate(m.outputMatrix!, m.outputHidden!, m.outputBias!, x, hidden, r));
        const write = Math.tanh(
          gate(m.cellActivationMatrix!, m.cellActivationHidden!, m.cellActivationBias!, x, hidden, r),
        );
        const cell = (g2[r] ?? 0) * (hidden[r] ?? 0) + (g1[r] ?? 0) * write;
        next[r] = (g3[r] ?? 0) * Math.tanh(cell);
      }
    } else {
      for (let r = 0; r < h; r++) {
        g1[r] = sigmoid(
          gate(m.updateGateInputMatrix!, m.updateGateHiddenMatrix!, m.updateGateBias!, x, hidden, r),
        );
        g2[r] = sigmoid(
          gate(m.resetGateInputMatrix!, m.resetGateHiddenMatrix!, m.resetGateBias!, x, hidden, r),
        );
        rh[r] = (g2[r] ?? 0) * (hidden[r] ?? 0);
      }
      for (let r = 0; r < h; r++) {
        const cell = Math.tanh(
          gate(m.cellWriteInputMatrix!, m.cellWriteHiddenMatrix!, m.cellWriteBias!, x, rh, r),
        );
        const u = g1[r] ?? 0;
        next[r] = (1 - u) * cell + (hidden[r] ?? 0) * u;
      }
    }
    hidden.set(next);
  };
  const output = (): number => {
    let s = outB;
    for (let c = 0; c < h; c++) s += (outW[c] ?? 0) * (hidden[c] ?? 0);
    return s;
  };
  const run = (sequence: ArrayLike<number>): number => {
    hidden.fill(0);
    for (let i = 0; i < sequence.length; i++) step(sequence[i] ?? 0);
    return output();
  };
  return {
    kind,
    next: run,
    forecast(sequence, steps) {
      let y = run(sequence);
      const out = [y];
      for (let k = 1; k < steps; k++) {
        step(y);
        y = output();
        out.push(y);
      }
      return out;
    },
  };
}
