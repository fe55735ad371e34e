// A device plugin: a photon-counting detector (a single-photon avalanche diode behind a gated
// counter), simulated here so the example runs anywhere. A real plugin keeps this shape and
// talks to its hardware in the run/get/set functions (serial, TCP, a vendor SDK).
//
// Load it from a config file:
//   devices:
//     plugins:
//       - path: ./my-detector.js
//         options: { count_rate: 25000 }
// Its commands appear as MCP tools named MyDetector_<command>, with no frontend code.
import {
  arrayResult,
  attribute,
  BinaryResultSchema,
  command,
  defineDeviceClass,
  definePlugin,
  quantity,
  WorkerError,
  z,
} from 'labrelay/devices';

/** Poisson counts for a mean (Knuth below 30, normal approximation above). */
function poisson(mean, random) {
  if (mean < 30) {
    const limit = Math.exp(-mean);
    let k = 0;
    for (let p = random(); p > limit; p *= random()) k++;
    return k;
  }
  const u = 1 - random();
  const v = random();
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal));
}

/** A small seeded generator (mulberry32), so runs are repeatable. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Counts in one gate: signal plus dark counts, then the dead time's losses (non-paralyzable). */
function countGate(state, gateMs) {
  if (!state.armed) {
    throw new WorkerError('DEVICE_ERROR', 'the detector is not armed: call MyDetector_arm first', {
      device: state.name,
    });
  }
  const seconds = gateMs / 1000;
  const trueRate = state.countRate + state.darkCountRate;
  const measured = trueRate / (1 + trueRate * state.deadTimeNs * 1e-9);
  return poisson(measured * seconds, state.random);
}

const MyDetector = defineDeviceClass({
  name: 'MyDetector',
  doc: 'Photon-counting detector: a gated counter behind a single-photon avalanche diode.',
  commands: {
    arm: command({
      doc: 'Control the bias: arm (true) or disarm (false) the diode before counting.',
      params: z.object({
        armed: z.boolean().describe('true to apply the bias, false to remove it.'),
      }),
      result: z.object({ armed: z.boolean() }),
      idempotent: true,
      run: ({ device }, { armed }) => {
        device.state.armed = armed;
        return { armed };
      },
    }),
    count: command({
      doc: 'Measure the photons counted in one gate.',
      params: z.object({
        gate_ms: quantity({ doc: 'Gate time', unit: 'ms', min: 0.001, max: 10_000 }).default(100),
      }),
      result: z.object({
        counts: z.number().int().describe('Photons counted in the gate.'),
        rate: z.number().describe('Count rate, counts/s.'),
      }),
      readOnly: true,
      deadline: { base_ms: 2000, terms: [{ params: ['gate_ms'], ms_per_unit: 1 }] },
      run: async ({ device, op }, { gate_ms }) => {
        // A real counter is busy for the whole gate; so is this one, and a cancel ends the wait.
        await op.sleep(gate_ms);
        const counts = countGate(device.state, gate_ms);
        return { counts, rate: counts / (gate_ms / 1000) };
      },
    }),
    acquire_trace: command({
      doc: 'Acquire a trace of counts in consecutive gates, for a time series.',
      params: z.object({
        points: quantity({ doc: 'Number of gates', unit: '1', min: 1, max: 100_000, int: true }),
        gate_ms: quantity({ doc: 'Gate time', unit: 'ms', min: 0.001, max: 1000 }).default(10),
      }),
      // Small traces come back inline as base64 int32, large ones as an .npy file.
      result: BinaryResultSchema,
      readOnly: true,
      deadline: { base_ms: 5000, terms: [{ params: ['points', 'gate_ms'], ms_per_unit: 1 }] },
      run: async (ctx, { points, gate_ms }) => {
        const counts = new Int32Array(points);
        // Counted in blocks of 100 gates, each taking its real time, so progress and cancel
        // work as they would with the hardware.
        for (let start = 0; start < points; start += 100) {
          const end = Math.min(points, start + 100);
          await ctx.op.sleep((end - start) * gate_ms);
          for (let i = start; i < end; i++) counts[i] = countGate(ctx.device.state, gate_ms);
          ctx.op.progress(end, points, `${end} of ${points} gates`);
        }
        return arrayResult(ctx, {
          data: counts,
          shape: [points],
          metadata: { units: 'counts', gate_ms },
          name: 'trace',
        });
      },
    }),
  },
  attributes: {
    dark_count_rate: attribute({
      doc: 'Control the dark count rate the simulation adds, counts/s.',
      type: quantity({ doc: 'Dark count rate', unit: 'counts/s', min: 0, max: 100_000 }),
      units: 'counts/s',
      get: ({ device }) => device.state.darkCountRate,
      set: ({ device }, value) => {
        device.state.darkCountRate = value;
      },
    }),
    dead_time_ns: attribute({
      doc: 'Get the dead time after each detected photon, ns.',
      type: quantity({ doc: 'Dead time', unit: 'ns', min: 0 }),
      units: 'ns',
      get: ({ device }) => device.state.deadTimeNs,
    }),
  },
});

export default definePlugin({
  name: 'my-detector',
  devices: ({ options }) => [
    {
      name: 'detector',
      deviceClass: MyDetector,
      state: {
        name: 'detector',
        armed: false,
        countRate: Number(options.count_rate ?? 20_000),
        darkCountRate: 100,
        deadTimeNs: 22,
        random: seeded(Number(options.seed ?? 1)),
      },
      info: { model: 'simulated SPAD counter', serial: 'EXAMPLE-0001' },
    },
  ],
});
