import { describe, expect, it } from 'vitest';
import { BlockingRules, type BlockingConfig } from '../../../worker/devices/blocking.js';

type Row = [string, Partial<BlockingConfig>, string, string, boolean];

// [case, rules, class, command, blocked?] — Asyncroscopy's rules, each form on its own.
const rows: Row[] = [
  ['nothing configured serves everything', {}, 'HP34401A', 'measure_voltage_dc', false],
  ['a list blocks in every class', { blockedFunctions: ['reset'] }, 'HP34401A', 'reset', true],
  [
    'a list leaves other commands',
    { blockedFunctions: ['reset'] },
    'HP34401A',
    'measure_voltage_dc',
    false,
  ],
  ['"*" blocks in every class', { blockedFunctions: { '*': ['Init'] } }, 'TangoTest', 'Init', true],
  [
    '"*" blocks in another class too',
    { blockedFunctions: { '*': ['Init'] } },
    'Stage',
    'Init',
    true,
  ],
  [
    'per class blocks there',
    { blockedFunctions: { Stage: ['move_to'] } },
    'Stage',
    'move_to',
    true,
  ],
  [
    'per class leaves other classes',
    { blockedFunctions: { Stage: ['move_to'] } },
    'Scan',
    'move_to',
    false,
  ],
  [
    'per class names classes exactly',
    { blockedFunctions: { stage: ['move_to'] } },
    'Stage',
    'move_to',
    false,
  ],
  ['Class.command in a list', { blockedFunctions: ['Stage.move_to'] }, 'Stage', 'move_to', true],
  [
    'Class.command leaves other classes',
    { blockedFunctions: ['Stage.move_to'] },
    'Scan',
    'move_to',
    false,
  ],
  [
    'Class.command under "*"',
    { blockedFunctions: { '*': ['HPE3631A.set_output'] } },
    'HPE3631A',
    'set_output',
    true,
  ],
  [
    'Class.* blocks the whole class',
    { blockedFunctions: ['Stage.*'] },
    'Stage',
    'get_position',
    true,
  ],
  ['commands match case-sensitively', { blockedFunctions: ['Reset'] }, 'HP34401A', 'reset', false],
  [
    'include_only serves what it names',
    { includeOnly: ['get_position'] },
    'Stage',
    'get_position',
    false,
  ],
  ['include_only refuses the rest', { includeOnly: ['get_position'] }, 'Stage', 'move_to', true],
  [
    'include_only by Class.command',
    { includeOnly: ['Stage.get_position'] },
    'Stage',
    'get_position',
    false,
  ],
  [
    'include_only Class.command is per class',
    { includeOnly: ['Stage.get_position'] },
    'Other',
    'get_position',
    true,
  ],
  ['include_only Class.*', { includeOnly: ['Stage.*'] }, 'Stage', 'move_to', false],
  [
    'blocking wins over include_only',
    { includeOnly: ['Stage.*'], blockedFunctions: ['Stage.move_to'] },
    'Stage',
    'move_to',
    true,
  ],
  [
    'attribute tools are commands get_/set_',
    { blockedFunctions: ['Microscope.set_voltage'] },
    'Microscope',
    'set_voltage',
    true,
  ],
  ['default blocked classes: DataBase', {}, 'DataBase', 'DbGetDeviceList', true],
  ['default blocked classes: DServer, any case', {}, 'dserver', 'Kill', true],
  [
    'blocked_classes adds to DataBase and DServer, which stay blocked',
    { blockedClasses: ['Corrector'] },
    'DataBase',
    'DbDeleteServer',
    true,
  ],
  [
    'blocked_classes is case-insensitive',
    { blockedClasses: ['corrector'] },
    'Corrector',
    'tune',
    true,
  ],
];

describe('blocking rules', () => {
  it.each(rows)('%s', (_, config, className, command, blocked) => {
    expect(new BlockingRules(config).verdict(className, command).blocked).toBe(blocked);
  });

  it('names the rule that refused', () => {
    const rules = new BlockingRules({
      blockedFunctions: { '*': ['Init'], Stage: ['move_to'] },
      includeOnly: ['Stage.*', 'Init'],
      blockedClasses: ['Scan_'],
    });
    expect(rules.verdict('Stage', 'move_to')).toEqual({
      blocked: true,
      reason: 'Stage.move_to is blocked by devices.blocked_functions',
    });
    expect(rules.verdict('Scan', 'Init')).toEqual({
      blocked: true,
      reason: 'Init is blocked for every class by devices.blocked_functions',
    });
    expect(rules.verdict('Scan', 'set_dwell_time')).toEqual({
      blocked: true,
      reason: 'Scan.set_dwell_time is not in devices.include_only',
    });
    expect(rules.verdict('DServer', 'Kill')).toEqual({
      blocked: true,
      reason: "class DServer is always blocked (Tango's database and admin devices)",
    });
    expect(rules.verdict('scan_', 'x')).toEqual({
      blocked: true,
      reason: 'class scan_ is in devices.blocked_classes',
    });
  });
});
