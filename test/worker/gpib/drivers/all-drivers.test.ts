import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  driverForClass,
  driverForIdentity,
  GPIB_DRIVERS,
  gpibDeviceClasses,
  gpibDriverClassNames,
} from '../../../../worker/gpib/devices/index.js';
import { parseIdn } from '../../../../worker/gpib/idn.js';

/**
 * Conformance over every GPIB driver, as PyMeasure's test_all_instruments.py: docs start with a
 * verb a model can act on, every number a model sends or reads carries its unit, and no command
 * hides an attribute tool (`get_<attr>` / `set_<attr>`).
 */
const VERBS = [
  'Measure',
  'Set',
  'Get',
  'Control',
  'Acquire',
  'Read',
  'Turn',
  'Show',
  'Clear',
  'Configure',
  'Trigger',
  'Reset',
];

type Json = Record<string, any>;
const numeric = (s: Json) => s.type === 'number' || s.type === 'integer';

/** Every number in a JSON Schema, with its path. */
function numbers(schema: Json, path = ''): Array<[string, Json]> {
  if (numeric(schema)) return [[path || '(value)', schema]];
  const found: Array<[string, Json]> = [];
  for (const [k, v] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) {
    found.push(...numbers(v, path ? `${path}.${k}` : k));
  }
  if (schema.items) found.push(...numbers(schema.items, `${path}[]`));
  return found;
}

const commands = gpibDeviceClasses.flatMap((c) =>
  Object.entries(c.commands).map(([name, spec]) => [`${c.name}.${name}`, spec] as const),
);
const attributes = gpibDeviceClasses.flatMap((c) =>
  Object.entries(c.attributes ?? {}).map(([name, spec]) => [`${c.name}.${name}`, spec] as const),
);

describe('every GPIB driver', () => {
  it('has the classes the issue names', () => {
    expect(gpibDriverClassNames()).toEqual([
      'HP34401A',
      'HPE3631A',
      'Keithley2000',
      'HP3478A',
      'TDS2024B',
    ]);
  });

  it.each([...commands, ...attributes])(
    '%s: its doc starts with a verb and is one line',
    (_, spec) => {
      const first = spec.doc.split(' ')[0];
      expect(VERBS, `doc "${spec.doc}"`).toContain(first);
      expect(spec.doc).not.toMatch(/\n/);
      expect(spec.doc).toMatch(/\.$/);
    },
  );

  it.each(commands)('%s: numeric params and results carry units and ranges', (_, spec) => {
    const params = z.toJSONSchema(spec.params, { io: 'input' }) as Json;
    for (const [path, schema] of numbers(params)) {
      expect(schema['x-unit'], `param ${path} has a unit`).toEqual(expect.any(String));
      expect(schema.description, `param ${path} is described`).toEqual(expect.any(String));
      if (schema['x-unit'] !== '1') expect(schema.description).toContain(schema['x-unit']);
      expect(
        schema.minimum ?? schema.exclusiveMinimum,
        `param ${path} has a minimum`,
      ).toBeDefined();
      expect(schema.maximum, `param ${path} has a maximum`).toBeDefined();
    }
    const result = z.toJSONSchema(spec.result, { io: 'output' }) as Json;
    for (const [path, schema] of numbers(result)) {
      const said = `${schema.description ?? ''} ${schema['x-unit'] ?? ''}`;
      expect(said.trim(), `result ${path} is described`).not.toBe('');
    }
    if (numeric(result)) expect(result['x-unit'], 'a scalar result has a unit').toBeDefined();
  });

  it('the checks above see the numbers (optional params included)', () => {
    const params = commands.flatMap(([, spec]) =>
      numbers(z.toJSONSchema(spec.params, { io: 'input' }) as Json),
    );
    expect(params.length).toBeGreaterThanOrEqual(30);
    expect(params.filter(([path]) => path === 'resolution')[0][1]).toMatchObject({
      'x-unit': 'V',
      description: expect.stringMatching(/^Resolution wanted .*, V, 0 … 1000$/),
    });
  });

  it.each(commands)('%s: flags are honest (read-only is never destructive)', (_, spec) => {
    if (spec.readOnly) expect(spec.destructive ?? false).toBe(false);
  });

  it.each(gpibDeviceClasses.map((c) => [c.name, c] as const))(
    '%s: no command is named like an attribute tool',
    (_, deviceClass) => {
      for (const attr of Object.keys(deviceClass.attributes ?? {})) {
        expect(Object.keys(deviceClass.commands)).not.toContain(`get_${attr}`);
        expect(Object.keys(deviceClass.commands)).not.toContain(`set_${attr}`);
      }
    },
  );

  it('sources that drive a load are destructive when they turn on or change', () => {
    expect(driverForClass('HPE3631A')!.deviceClass.commands.output_on.destructive).toBe(true);
    expect(driverForClass('HPE3631A')!.deviceClass.commands.set_output.destructive).toBe(true);
    expect(driverForClass('HPE3631A')!.deviceClass.commands.output_off.destructive).toBeFalsy();
  });
});

describe('driver catalog', () => {
  const classOf = (idn: string) => {
    const identity = parseIdn(idn);
    return identity ? driverForIdentity(identity)?.deviceClass.name : undefined;
  };

  it.each([
    ['HEWLETT-PACKARD,34401A,0,11-5-2', 'HP34401A'],
    ['Agilent Technologies,34401A,0,11-5-3', 'HP34401A'],
    ['HEWLETT-PACKARD,E3631A,0,2.1-5.0-1.0', 'HPE3631A'],
    ['Agilent Technologies,E3631A,0,3.0-6.0-2.0', 'HPE3631A'],
    ['Keysight Technologies,E3631A,MY12345678,3.0-6.0-2.0', 'HPE3631A'],
    ['KEITHLEY INSTRUMENTS INC.,MODEL 2000,1234567,A20  /A02', 'Keithley2000'],
    ['TEKTRONIX,TDS 2024B,C012345,CF:91.1CT FV:v22.11', 'TDS2024B'],
    ['TEKTRONIX,TDS 1002B,C054321,CF:91.1CT FV:v22.01', 'TDS2024B'],
  ])('binds %s to %s', (idn, className) => {
    expect(classOf(idn)).toBe(className);
  });

  it.each([
    'Agilent Technologies,34410A,MY47000419,2.35-2.35-0.09-46-09',
    'KEITHLEY INSTRUMENTS INC.,MODEL 2400,1234567,C30',
    'RIGOL TECHNOLOGIES,DS1054Z,DS1ZA000000000,00.04.04',
    'TEKTRONIX,DPO4104,C000000,CF:91.1CT',
  ])('leaves %s unbound (instrument_query still reaches it)', (idn) => {
    expect(classOf(idn)).toBeUndefined();
  });

  it('finds classes by exact name for config overrides; the 3478A only that way', () => {
    expect(driverForClass('HP3478A')?.idn).toEqual([]);
    expect(driverForClass('hp3478a')).toBeUndefined();
    expect(GPIB_DRIVERS.map((d) => d.deviceClass)).toEqual(gpibDeviceClasses);
  });
});
