import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v4 as uuidv4 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerClient } from '../../frontend/worker-client/index.js';
import { parseConfig, type LoadedConfig } from '../../launcher/config/load.js';
import { tangoBridgeSpec } from '../../launcher/tango-bridge.js';
import {
  ApprovalEventSchema,
  ApprovalRecordSchema,
  LabStateEventSchema,
  LabStateSchema,
  ProgressEventSchema,
  describeMethod,
  safetyMethods,
  type ApprovalRecord,
  type ReplyEnvelope,
} from '../../protocol/index.js';
import { liveSubscriber } from '../helpers/events.js';
import { stopAllProcesses } from '../helpers/labrelay-process.js';
import { freePorts } from '../helpers/ports.js';
import {
  bridgeClients,
  resultOf,
  runBridgeToExit,
  startTangoBridge,
  type TangoBridge,
} from '../helpers/tango.js';
import {
  startTangoDatabase,
  stopAllTangoDatabases,
  type TangoDatabase,
} from '../helpers/tango-database.js';

/*
 * The safety policy in the Tango bridge: nothing outside the policy reaches an instrument by any
 * path, so the bridge enforces the config's `policy:` section as the TypeScript worker does.
 * A real Tango database with a real TangoTest registered in it; the launcher writes the policy
 * into the bridge's settings; everything else goes through real ZeroMQ requests and events:
 *
 *   WorkerClient ──REQ──▶ bridge: lab state, rules (present value read) ──▶ TangoTest sys/tg_test/1
 *        ▲                  │ outside soft: approval record, lane let go, $approvals + progress
 *   SUB ─┴── $approvals, $lab, request id ◀──┘      approval_decide ──▶ checked again, written
 */
const RULE = 'tg double limit';
const SET = 'TangoTest_set_double_scalar_w';
const GET = 'TangoTest_get_double_scalar_w';
const { connect, close: closeClients } = bridgeClients();
const sockets: Array<{ close(): void }> = [];
let db: TangoDatabase;
let settingsPolicy: unknown;
let bridge: TangoBridge;
let client: WorkerClient;

beforeAll(async () => {
  db = await startTangoDatabase();
  await db.registerTangoTest('test', ['sys/tg_test/1']);
  // A config file's `policy:` section, parsed by the launcher's own loader…
  const dir = mkdtempSync(join(tmpdir(), 'labrelay-tango-policy-'));
  const [request, events] = await freePorts(2);
  const config = parseConfig(
    [
      'frontend:',
      `  workers: [{ name: tango, endpoint: "tcp://127.0.0.1:${request}" }]`,
      'worker:',
      `  data_dir: ${JSON.stringify(dir)}`,
      'tango:',
      `  bind: tcp://127.0.0.1:${request}`,
      `  events_endpoint: tcp://127.0.0.1:${events}`,
      `  tango_host: ${JSON.stringify(db.tangoHost)}`,
      '  attribute_tools: true',
      'policy:',
      '  rules:',
      `    - name: ${RULE}`,
      '      devices: [sys/tg_test/1]',
      '      settings: [double_scalar_w]',
      '      hard: { min: -100, max: 100 }',
      '      soft: { max: 50 }',
    ].join('\n'),
    'policy-test.yaml',
  );
  const loaded: LoadedConfig = { config, source: null, baseDir: dir };
  const spec = tangoBridgeSpec(loaded, { verbose: false, env: process.env });
  // …goes into the settings file the launcher writes for the bridge…
  const file = spec.args[spec.args.indexOf('--config') + 1];
  settingsPolicy = (JSON.parse(readFileSync(file, 'utf8')) as { policy?: unknown }).policy;
  // …is what the bridge runs with, discovering sys/tg_test/1 through the database.
  bridge = await startTangoBridge({
    tango_host: db.tangoHost,
    devices: [],
    attribute_tools: true,
    policy: settingsPolicy,
  });
  client = await connect(bridge);
}, 60_000);

afterAll(async () => {
  closeClients();
  for (const s of sockets) s.close();
  await stopAllProcesses();
  await stopAllTangoDatabases();
});

async function ok(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
  return resultOf(await client.request(method, params));
}

async function value(): Promise<number> {
  return ((await ok(GET)) as { value: number }).value;
}

function failed(reply: ReplyEnvelope) {
  if (reply.status !== 'error') throw new Error(`expected an error: ${JSON.stringify(reply)}`);
  return reply;
}

async function events(topics: string[]) {
  const subscriber = await liveSubscriber(bridge.eventsEndpoint, topics);
  sockets.push(subscriber.sub);
  return {
    async approval(): Promise<ApprovalRecord> {
      const [, body] = await subscriber.next('$approvals');
      return ApprovalEventSchema.parse(JSON.parse(body.toString())).approval;
    },
    async lab() {
      const [, body] = await subscriber.next('$lab');
      return LabStateEventSchema.parse(JSON.parse(body.toString())).lab;
    },
    async audit(): Promise<Record<string, unknown>> {
      const [, body] = await subscriber.next('$audit');
      return (JSON.parse(body.toString()) as { record: Record<string, unknown> }).record;
    },
    async of(id: string): Promise<Record<string, unknown>> {
      const [, body] = await subscriber.next(id);
      return JSON.parse(body.toString()) as Record<string, unknown>;
    },
  };
}

function auditLines(): Array<Record<string, unknown>> {
  return readFileSync(bridge.auditPath, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the policy reaches the bridge', () => {
  it('is written by the launcher into the bridge settings as parsed, defaults filled in', () => {
    expect(settingsPolicy).toEqual({
      writes: 'allow',
      approval_timeout_s: 300,
      rules: [
        {
          name: RULE,
          devices: ['sys/tg_test/1'],
          settings: ['double_scalar_w'],
          hard: { min: -100, max: 100 },
          soft: { max: 50 },
        },
      ],
      scpi: [],
    });
  });

  it('serves the supervisor methods with the TypeScript schemas and says how long approvals wait', () => {
    const described = client.described!;
    expect(described.approval_timeout_ms).toBe(300_000);
    for (const [name, spec] of Object.entries(safetyMethods)) {
      expect(described.methods.find((m) => m.name === name)).toEqual(describeMethod(name, spec));
    }
    expect(described.devices.map((d) => d.name)).toEqual(['sys/tg_test/1']);
  });

  it('refuses to start with an invalid policy, naming the key path', async () => {
    const { code, stderr } = await runBridgeToExit([
      '--config-json',
      JSON.stringify({
        devices: ['tango://127.0.0.1:1/sys/tg_test/1#dbase=no'],
        policy: {
          rules: [{ name: RULE, devices: ['sys/tg_test/1'], settings: ['x'], hard: { max: 'a' } }],
        },
      }),
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('configuration error: policy.rules[0].hard.max: must be a number');
  });
});

describe('limits and approvals on a real TangoTest', () => {
  it('refuses a write above the hard limit, naming the rule, the limit and the value; nothing is written', async () => {
    const before = await value();
    const reply = failed(await client.request(SET, { value: 150 }));
    expect(reply).toMatchObject({
      code: 'REFUSED',
      error:
        `sys/tg_test/1 ${SET}: double_scalar_w 150 is above the hard maximum 100 of rule ` +
        `"${RULE}"; nothing was sent`,
      data: { rule: RULE, setting: 'double_scalar_w', value: 150, limit: 100 },
    });
    expect(await value()).toBe(before);
    const refused = failed(await client.request(SET, { value: -101 }));
    expect(refused.error).toContain(
      `double_scalar_w -101 is below the hard minimum -100 of rule "${RULE}"; nothing was sent`,
    );
    expect(await value()).toBe(before);
  });

  it('writes a value inside the soft limits at once, and reports what it sent and read back', async () => {
    const id = uuidv4();
    const reply = await client.request(SET, { value: 20 }, { id });
    expect(reply).toEqual({
      id,
      status: 'ok',
      result: { value: 20, units: null, quality: 'VALID' },
      write: {
        sent: ['sys/tg_test/1: write_attribute double_scalar_w 20'],
        applied: { double_scalar_w: 20 },
      },
    });
    expect(await value()).toBe(20);
    // A write is logged before it reaches the device (fail closed), then with its outcome.
    expect(auditLines().filter((l) => l.id === id)).toEqual([
      expect.objectContaining({ outcome: 'started', method: SET, params: { value: 20 } }),
      expect.objectContaining({ outcome: 'ok', write: reply.status === 'ok' && reply.write }),
    ]);
  });

  it('holds a write above the soft limit until a person approves it, without holding the device', async () => {
    const id = uuidv4();
    const watch = await events(['$approvals', id]);
    const pending = client.request(SET, { value: 70 }, { id });

    const asked = await watch.approval();
    expect(Object.keys(asked)).toEqual(Object.keys(ApprovalRecordSchema.shape));
    expect(asked).toMatchObject({
      request_id: id,
      method: SET,
      params: { value: 70 },
      device: 'sys/tg_test/1',
      rules: [
        {
          rule: RULE,
          message: `sys/tg_test/1 ${SET}: double_scalar_w 20 → 70 is above the soft maximum 50 of rule "${RULE}"`,
        },
      ],
      summary:
        `sys/tg_test/1: ${SET} {"value":70} — sys/tg_test/1 ${SET}: double_scalar_w 20 → 70 ` +
        `is above the soft maximum 50 of rule "${RULE}"`,
      status: 'pending',
      decided_at: null,
      decided_by: null,
      decided_via: null,
    });
    expect(asked.id).toMatch(/^[0-9a-hjkmnp-tv-z]{6}$/);
    expect(Date.parse(asked.expires_at) - Date.parse(asked.created_at)).toBe(300_000);
    const progress = ProgressEventSchema.parse(await watch.of(id));
    expect(progress).toEqual({
      type: 'progress',
      id,
      progress: 0,
      message: `waiting for a person's approval ${asked.id}: ${asked.summary}`,
      approval: asked,
    });

    expect(await ok('approvals_list')).toEqual({ approvals: [asked] });
    expect(await ok('lab_state')).toMatchObject({ state: 'running', pending_approvals: 1 });
    // The device is not held while a person decides: reads and the worker go on.
    expect(await value()).toBe(20);
    // The read just answered may still be listed for an instant as its lane ends: only the
    // waiting write's own entry is asserted.
    const status = (await ok('worker_status')) as { operations: Array<{ id: string }> };
    expect(status.operations).toContainEqual(expect.objectContaining({ id, state: 'queued' }));

    const decided = (await ok('approval_decide', {
      id: asked.id,
      decision: 'approve',
      by: 'alice@lab-pc',
      via: 'cli',
    })) as { approval: ApprovalRecord };
    expect(decided.approval).toMatchObject({
      id: asked.id,
      status: 'approved',
      decided_by: 'alice@lab-pc',
      decided_via: 'cli',
    });
    expect(await watch.approval()).toEqual(decided.approval);
    expect(await watch.of(id)).toEqual({ type: 'progress_end', id });
    expect(await pending).toEqual({
      id,
      status: 'ok',
      result: { value: 70, units: null, quality: 'VALID' },
      write: {
        sent: ['sys/tg_test/1: write_attribute double_scalar_w 70'],
        applied: { double_scalar_w: 70 },
        approval: { id: asked.id, by: 'alice@lab-pc', via: 'cli' },
      },
    });
    expect(await value()).toBe(70);
    expect(await ok('approvals_list')).toEqual({ approvals: [] });
    expect(await ok('approvals_list', { include_decided: true })).toEqual({
      approvals: [decided.approval],
    });
  });

  it('answers APPROVAL_DENIED when a person denies, and writes nothing', async () => {
    const id = uuidv4();
    const watch = await events(['$approvals']);
    const pending = client.request(SET, { value: 80 }, { id });
    const asked = await watch.approval();
    expect(asked).toMatchObject({ request_id: id, status: 'pending' });
    expect(asked.summary).toContain('double_scalar_w 70 → 80');
    await ok('approval_decide', { id: asked.id, decision: 'deny', by: 'bob' });
    expect(await watch.approval()).toMatchObject({
      id: asked.id,
      status: 'denied',
      decided_by: 'bob',
      decided_via: 'wire',
    });
    expect(failed(await pending)).toMatchObject({
      code: 'APPROVAL_DENIED',
      error: `${SET} was not run: bob denied approval ${asked.id} via wire (${RULE}); nothing was sent`,
      data: { approval: asked.id, by: 'bob', via: 'wire' },
    });
    expect(await value()).toBe(70);
    // A decided approval cannot be decided again.
    expect(
      failed(await client.request('approval_decide', { id: asked.id, decision: 'approve' })),
    ).toMatchObject({
      code: 'INVALID_PARAMS',
      error: `approval ${asked.id} is already denied (by bob via wire)`,
    });
  });
});

describe('stop, lock and resume', () => {
  it('stop_all cancels a pending approval and refuses writes with LAB_STOPPED; reads work', async () => {
    const id = uuidv4();
    const watch = await events(['$approvals', '$lab']);
    const pending = client.request(SET, { value: 90 }, { id });
    const asked = await watch.approval();

    const stopped = (await ok('stop_all', {
      reason: 'beam dump',
      by: 'carol',
      via: 'console',
    })) as Record<string, unknown>;
    expect(stopped).toEqual({
      lab: {
        state: 'stopped',
        since: expect.any(String),
        by: 'carol',
        via: 'console',
        reason: 'beam dump',
        writes: 'allow',
        pending_approvals: 0,
      },
      cancelled: [`${SET} ${id}`],
      approvals_cancelled: 1,
      safe_states: [],
    });
    expect(LabStateSchema.parse(stopped.lab)).toEqual(stopped.lab);
    // The lab stops first (nothing new starts), then the approval is withdrawn.
    expect(await watch.lab()).toEqual({ ...(stopped.lab as object), pending_approvals: 1 });
    expect(await watch.approval()).toMatchObject({
      id: asked.id,
      status: 'cancelled',
      decided_by: null,
    });
    expect(failed(await pending)).toMatchObject({
      code: 'CANCELLED',
      error: `${SET} was not run: the lab was stopped by carol via console: beam dump`,
      data: { approval: asked.id },
    });

    const refused = failed(await client.request(SET, { value: 30 }));
    expect(refused.code).toBe('LAB_STOPPED');
    expect(refused.error).toMatch(
      new RegExp(
        `^${SET} was not run: the lab was stopped by carol via console at \\S+: beam dump\\. ` +
          'Writes are refused until a person resumes it',
      ),
    );
    // Every write, not only those a rule covers; reads keep working.
    expect(failed(await client.request('TangoTest_DevDouble', { arg: 1 })).code).toBe(
      'LAB_STOPPED',
    );
    expect(await value()).toBe(70);
    expect(await ok('TangoTest_State')).toBe('RUNNING');
    expect(await ok('lab_state')).toEqual(stopped.lab);
  });

  it('resume lets writes through again (within the policy)', async () => {
    const watch = await events(['$lab']);
    const lab = await ok('resume', { by: 'carol', via: 'console' });
    expect(lab).toEqual({
      state: 'running',
      since: null,
      by: null,
      via: null,
      reason: null,
      writes: 'allow',
      pending_approvals: 0,
    });
    expect(await watch.lab()).toEqual(lab);
    expect(resultOf(await client.request(SET, { value: 30 }))).toMatchObject({ value: 30 });
    expect(await value()).toBe(30);
    expect(failed(await client.request(SET, { value: 150 })).code).toBe('REFUSED');
  });

  it('publishes every audit line on $audit as it is written (the supervisor console)', async () => {
    const watch = await events(['$audit']);
    const id = uuidv4();
    await client.request(SET, { value: 30 }, { id });
    const lines = [await watch.audit(), await watch.audit()];
    expect(lines.map((l) => [l.id, l.method, l.outcome])).toEqual([
      [id, SET, 'started'],
      [id, SET, 'ok'],
    ]);
    expect(auditLines().filter((l) => l.id === id)).toEqual(lines);
  });

  it('lock holds writes with LAB_LOCKED until resume; reads go on', async () => {
    expect(await ok('lock', { reason: 'someone is in the hutch', by: 'dave' })).toMatchObject({
      state: 'locked',
      reason: 'someone is in the hutch',
      by: 'dave',
      via: 'wire',
    });
    const refused = failed(await client.request(SET, { value: 25 }));
    expect(refused.code).toBe('LAB_LOCKED');
    expect(refused.error).toContain('someone is in the hutch');
    expect(await value()).toBe(30);
    await ok('resume', { by: 'dave' });
    expect(resultOf(await client.request(SET, { value: 25 }))).toMatchObject({ value: 25 });
  });

  it('logs every approval, stop, lock and resume in the audit log', () => {
    const lines = auditLines().filter((l) => typeof l.event === 'string');
    const who = (l: Record<string, unknown>) =>
      (l.by as string | undefined) ?? (l.approval as ApprovalRecord).decided_by ?? '';
    expect(lines.map((l) => `${l.event as string} ${who(l)}`.trim())).toEqual([
      'approval_requested',
      'approval_approved alice@lab-pc',
      'approval_requested',
      'approval_denied bob',
      'approval_requested',
      'stop carol',
      'approval_cancelled',
      'resume carol',
      'lock dave',
      'resume dave',
    ]);
    // An approval's lines carry its whole record; a stop says who, how and why.
    for (const l of lines.filter((l) => String(l.event).startsWith('approval_'))) {
      expect(ApprovalRecordSchema.parse(l.approval)).toEqual(l.approval);
    }
    expect(lines.find((l) => l.event === 'stop')).toMatchObject({
      by: 'carol',
      via: 'console',
      reason: 'beam dump',
    });
  });
});
