import {
  Ieee488Device,
  type InstrumentDefinition,
  type SimInstrumentOptions,
  ScpiError,
  blockLength,
  definiteBlock,
  parseBool,
  parseChoice,
  parseNumeric,
} from './ieee488-device.js';

const POINTS = 2500;
const SOURCES = ['CH1', 'CH2', 'CH3', 'CH4'];
const ENCODINGS = ['RIBinary', 'RPBinary', 'ASCIi', 'SRIbinary', 'SRPbinary'];
/** Long uppercase names the TDS reports for `DATa:ENCdg?`. */
const ENCODING_NAMES: Record<string, string> = {
  RIB: 'RIBINARY',
  RPB: 'RPBINARY',
  ASCI: 'ASCII',
  SRI: 'SRIBINARY',
  SRP: 'SRPBINARY',
};

/** TDS-style number: one decimal, bare exponent (`2.0E-6`, `0.0E0`). */
function tek(x: number): string {
  const [m, e] = x.toExponential(1).split('e');
  return `${m}E${Number(e)}`;
}

/**
 * Tektronix TDS 2024B-style oscilloscope (`TEKTRONIX,TDS 2024B,C0xxxxx,CF:91.1CT FV:v22.11`):
 * DATa:SOUrce/ENCdg/WIDth/STARt/STOP, WFMPre? preamble and CURVe? as an IEEE 488.2 block
 * `#42500<data>\n`. The waveforms are seeded and span ±100 digitizer levels, so byte-wide binary
 * data always contains 0x0A and 0x0D: only an EOI-terminated read (`++read eoi`) gets it whole.
 */
export class SimTekScope extends Ieee488Device<SimTekScope> {
  source = 'CH1';
  encoding = 'RIB';
  width = 1;
  start = 1;
  stop = POINTS;
  header = false;
  /** Last waveform written with `CURVe <block>`. */
  uploaded: Buffer | undefined;
  /** Waveforms in digitizer levels (−128…127), one per channel, fixed for the seed. */
  readonly waveforms: Int8Array[];

  constructor(options: SimInstrumentOptions = {}) {
    const serial = `C0${String(10000 + (((options.seed ?? 1) * 4649) % 89999)).padStart(5, '0')}`;
    super({ ...definition, idn: `TEKTRONIX,TDS 2024B,${serial},CF:91.1CT FV:v22.11` }, options);
    this.waveforms = SOURCES.map((_, ch) => {
      const w = new Int8Array(POINTS);
      for (let i = 0; i < POINTS; i++) {
        const phase = (i % 500) / 500;
        let v: number;
        if (ch === 0) v = 100 * Math.sin(2 * Math.PI * phase);
        else if (ch === 1)
          v =
            phase < 0.04
              ? -80 + 4000 * phase
              : phase < 0.5
                ? 80
                : phase < 0.54
                  ? 80 - 4000 * (phase - 0.5)
                  : -80;
        else if (ch === 2) v = phase < 0.5 ? -100 + 400 * phase : 300 - 400 * phase;
        else v = 0;
        v += this.rng.gauss() * (ch === 3 ? 30 : 1.5);
        w[i] = Math.max(-128, Math.min(127, Math.round(v)));
      }
      return w;
    });
  }

  /** `CURVe?` body: the selected points in the selected encoding and width. */
  curveData(): Buffer {
    const wave = this.waveforms[SOURCES.indexOf(this.source)];
    const first = Math.max(1, Math.min(this.start, this.stop));
    const last = Math.min(POINTS, Math.max(this.start, this.stop));
    const pts = Array.from(wave.subarray(first - 1, last));
    if (this.encoding === 'ASCI')
      return Buffer.from(pts.map((v) => String(this.width === 2 ? v * 256 : v)).join(','));
    const unsigned = this.encoding === 'RPB' || this.encoding === 'SRP';
    const lsbFirst = this.encoding === 'SRI' || this.encoding === 'SRP';
    const out = Buffer.alloc(pts.length * this.width);
    pts.forEach((v, i) => {
      if (this.width === 1) out[i] = unsigned ? v + 128 : v & 0xff;
      else {
        const word = unsigned ? (v + 128) * 256 : (v * 256) & 0xffff;
        if (lsbFirst) out.writeUInt16LE(word, i * 2);
        else out.writeUInt16BE(word, i * 2);
      }
    });
    return definiteBlock(out);
  }

  /** `WFMPre?` fields in TDS 2000 order. */
  preamble(): Record<string, string> {
    const ascii = this.encoding === 'ASCI';
    const n = Math.abs(this.stop - this.start) + 1;
    const ch = this.source.slice(2);
    return {
      BYT_NR: String(this.width),
      BIT_NR: String(this.width * 8),
      ENCDG: ascii ? 'ASC' : 'BIN',
      BN_FMT: this.encoding === 'RPB' || this.encoding === 'SRP' ? 'RP' : 'RI',
      BYT_OR: this.encoding === 'SRI' || this.encoding === 'SRP' ? 'LSB' : 'MSB',
      NR_PT: String(Math.min(n, POINTS)),
      WFID: `"Ch${ch}, DC coupling, 1.0E0 V/div, 5.0E-4 s/div, ${POINTS} points, Sample mode"`,
      PT_FMT: 'Y',
      XINCR: tek(2e-6),
      PT_OFF: '0',
      XZERO: tek(-2.5e-3),
      XUNIT: '"s"',
      YMULT: tek(this.width === 2 ? 0.04 / 256 : 0.04),
      YZERO: tek(0),
      YOFF: tek(0),
      YUNIT: '"Volts"',
    };
  }

  /** Reply with the `:HEADER` prefix when `HEADer ON`. */
  withHeader(name: string, value: string): string {
    return this.header ? `${name} ${value}` : value;
  }

  protected override onReset(): void {
    this.source = 'CH1';
    this.encoding = 'RIB';
    this.width = 1;
    this.start = 1;
    this.stop = POINTS;
  }
}

const PREAMBLE_FIELDS: Record<string, string> = {
  BYT_Nr: 'BYT_NR',
  BIT_Nr: 'BIT_NR',
  ENCdg: 'ENCDG',
  BN_Fmt: 'BN_FMT',
  BYT_Or: 'BYT_OR',
  NR_Pt: 'NR_PT',
  WFId: 'WFID',
  PT_Fmt: 'PT_FMT',
  XINcr: 'XINCR',
  PT_Off: 'PT_OFF',
  XZEro: 'XZERO',
  XUNit: 'XUNIT',
  YMUlt: 'YMULT',
  YZEro: 'YZERO',
  YOFf: 'YOFF',
  YUNit: 'YUNIT',
};

const point = (arg: string | undefined): number => {
  const v = Math.round(parseNumeric(arg, { min: 1, max: POINTS }));
  if (v < 1) throw new ScpiError(-222, 'Data out of range');
  return Math.min(v, POINTS);
};

const definition: InstrumentDefinition<SimTekScope> = {
  idn: 'TEKTRONIX,TDS 2024B,C000000,CF:91.1CT FV:v22.11',
  commands: [
    {
      pattern: 'DATa:SOUrce',
      run: (d, { args }) => void (d.source = parseChoice(args[0], SOURCES)),
    },
    { pattern: 'DATa:SOUrce?', run: (d) => d.withHeader(':DATA:SOURCE', d.source) },
    {
      pattern: 'DATa:ENCdg',
      run: (d, { args }) => void (d.encoding = parseChoice(args[0], ENCODINGS)),
    },
    { pattern: 'DATa:ENCdg?', run: (d) => d.withHeader(':DATA:ENCDG', ENCODING_NAMES[d.encoding]) },
    {
      pattern: 'DATa:WIDth',
      run: (d, { args }) => {
        const w = Math.round(parseNumeric(args[0], { min: 1, max: 2 }));
        if (w !== 1 && w !== 2) throw new ScpiError(-222, 'Data out of range');
        d.width = w;
      },
    },
    { pattern: 'DATa:WIDth?', run: (d) => d.withHeader(':DATA:WIDTH', String(d.width)) },
    { pattern: 'DATa:STARt', run: (d, { args }) => void (d.start = point(args[0])) },
    { pattern: 'DATa:STARt?', run: (d) => d.withHeader(':DATA:START', String(d.start)) },
    { pattern: 'DATa:STOP', run: (d, { args }) => void (d.stop = point(args[0])) },
    { pattern: 'DATa:STOP?', run: (d) => d.withHeader(':DATA:STOP', String(d.stop)) },
    {
      pattern: 'CURVe?',
      run: (d) =>
        d.header ? Buffer.concat([Buffer.from(':CURVE '), d.curveData()]) : d.curveData(),
    },
    {
      pattern: 'CURVe',
      run: (d, { data }) => {
        const len = data[0] === 0x23 ? blockLength(data, 0) : 0;
        if (len === 0) throw new ScpiError(-161, 'Invalid block data');
        d.uploaded = Buffer.from(data.subarray(2 + (data[1] - 0x30), len));
      },
    },
    {
      pattern: 'WFMPre?',
      run: (d) => {
        const p = Object.entries(d.preamble());
        return d.header
          ? `:WFMPRE:${p.map(([k, v]) => `${k} ${v}`).join(';')}`
          : p.map(([, v]) => v).join(';');
      },
    },
    ...Object.entries(PREAMBLE_FIELDS).map(([pattern, key]) => ({
      pattern: `WFMPre:${pattern}?`,
      run: (d: SimTekScope) => d.withHeader(`:WFMPRE:${key}`, d.preamble()[key]),
    })),
    { pattern: 'HEADer', run: (d, { args }) => void (d.header = parseBool(args[0])) },
    { pattern: 'HEADer?', run: (d) => (d.header ? '1' : '0') },
    { pattern: 'VERBose', run: (_d, { args }) => void parseBool(args[0]) },
    { pattern: 'BUSY?', run: (d) => d.withHeader(':BUSY', '0') },
    { pattern: 'ACQuire:STATE', run: () => undefined },
    { pattern: 'ACQuire:STATE?', run: () => '0' },
  ],
};

/** Tektronix TDS-style scope factory for the instrument registry. */
export function createTekScope(options: SimInstrumentOptions = {}): SimTekScope {
  return new SimTekScope(options);
}
