import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { PolicyConfig } from '../../../worker/safety/policy-config.js';
import { safetyRuntime } from '../../helpers/safety-runtime.js';

/*
 * The gate inside a worker runtime (the real dispatcher, no sockets), around an in-memory supply:
 * the endings of an approval (approved, denied, expired, cancelled), the lab's states and
 * posture, the rate limit, and the audit line a write cannot run without.
 */
const opened: Array<{ close(): void }> = [];
const lab = (o: Parameters<typeof safetyRuntime>[0]) => {
  const l = safetyRuntime(o);
  opened.push(l);
  return l;
};
afterEach(() => {
  for (const l of opened.splice(0)) l.close();
});

const SOFT = {
  rules: [{ name: 'A soft', classes: ['BenchSupply'], settings: ['voltage'], soft: { max: 12 } }],
};
const write = (voltage: number) => ({ channel: 'A', voltage });

/** Resolves with the pending approval once the call has filed it. */
async function filed(l: ReturnType<typeof safetyRuntime>) {
  for (let i = 0; i < 1000; i++) {
    const [pending] = l.safety!.approvals.list(false);
    if (pending) return pending;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('no approval was filed');
}

describe('an approval ends one of four ways, each distinct for the caller', () => {
  it('approved: the write runs with exactly the parameters the person saw', async () => {
    const l = lab({ policy: SOFT });
    const reply = l.send('BenchSupply_set_output', write(15));
    const pending = await filed(l);
    expect(pending).toMatchObject({
      method: 'BenchSupply_set_output',
      params: { channel: 'A', voltage: 15 },
      device: 'psu',
      rules: [{ rule: 'A soft' }],
      status: 'pending',
    });
    expect(l.state.writes).toBe(0);
    l.safety!.approvals.decide(pending.id, 'approve', 'alice@lab', 'test');
    expect(await reply).toMatchObject({
      status: 'ok',
      write: { approval: { id: pending.id, by: 'alice@lab', via: 'test' } },
    });
    expect(l.state.volts).toBe(15);
  });

  it('denied: APPROVAL_DENIED naming who, nothing written', async () => {
    const l = lab({ policy: SOFT });
    const reply = l.send('BenchSupply_set_output', write(15));
    l.safety!.approvals.decide((await filed(l)).id, 'deny', 'bob@lab', 'test');
    const r = await reply;
    expect(r).toMatchObject({ status: 'error', code: 'APPROVAL_DENIED' });
    expect(r.status === 'error' && r.error).toMatch(/bob@lab denied approval/);
    expect(l.state.writes).toBe(0);
  });

  it('expired: APPROVAL_EXPIRED once no one answered in time, in the audit log as such', async () => {
    const audit = join(mkdtempSync(join(tmpdir(), 'labrelay-gate-')), 'audit.jsonl');
    // 50 ms: below the config's 5 s minimum, which only the config schema enforces.
    const policy: PolicyConfig = {
      writes: 'allow',
      approval_timeout_s: 0.05,
      rules: [...SOFT.rules],
      scpi: [],
    };
    const l = lab({ policy, audit });
    const r = await l.send('BenchSupply_set_output', write(15));
    expect(r).toMatchObject({ status: 'error', code: 'APPROVAL_EXPIRED' });
    expect(l.state.writes).toBe(0);
    const events = readFileSync(audit, 'utf8')
      .trim()
      .split('\n')
      .map((x) => JSON.parse(x).event);
    expect(events).toContain('approval_requested');
    expect(events).toContain('approval_expired');
  });

  it('cancelled: a cancel while it waits ends it CANCELLED and withdraws the request', async () => {
    const l = lab({ policy: SOFT });
    const reply = l.send('BenchSupply_set_output', write(15));
    const pending = await filed(l);
    await l.send('cancel', { id: pending.request_id });
    expect(await reply).toMatchObject({ status: 'error', code: 'CANCELLED' });
    expect(l.safety!.approvals.list(true)[0]).toMatchObject({
      id: pending.id,
      status: 'cancelled',
    });
  });

  it('a decision is taken once: a second one is refused naming the first', async () => {
    const l = lab({ policy: SOFT });
    const reply = l.send('BenchSupply_set_output', write(15));
    const { id } = await filed(l);
    l.safety!.approvals.decide(id, 'approve', 'alice@lab', 'test');
    await reply;
    const again = await l.send('approval_decide', { id, decision: 'deny', by: 'eve' });
    expect(again).toMatchObject({ status: 'error', code: 'INVALID_PARAMS' });
    expect(again.status === 'error' && again.error).toMatch(/already approved \(by alice@lab/);
  });
});

describe('the lab', () => {
  it('stopped: writes LAB_STOPPED, reads work, resume lets writes through again', async () => {
    const l = lab({ policy: {}, attributeTools: true });
    expect(await l.send('stop_all', { by: 'alice', via: 'test' })).toMatchObject({ status: 'ok' });
    expect(await l.send('BenchSupply_set_output', write(1))).toMatchObject({ code: 'LAB_STOPPED' });
    expect(await l.send('BenchSupply_get_voltage')).toMatchObject({ status: 'ok' });
    await l.send('resume', { by: 'alice', via: 'test' });
    expect(await l.send('BenchSupply_set_output', write(1))).toMatchObject({ status: 'ok' });
  });

  it('locked: writes LAB_LOCKED with the reason; a stop wins over a lock', async () => {
    const l = lab({ policy: {} });
    await l.send('lock', { reason: 'in the hutch', by: 'carol' });
    const r = await l.send('BenchSupply_set_output', write(1));
    expect(r).toMatchObject({ code: 'LAB_LOCKED' });
    expect(r.status === 'error' && r.error).toMatch(/in the hutch/);
    await l.send('stop_all', {});
    expect(await l.send('BenchSupply_set_output', write(1))).toMatchObject({ code: 'LAB_STOPPED' });
  });

  it.each([
    ['deny', 'REFUSED'],
    ['approve', 'approval'],
  ])('posture writes: %s → %s', async (writes, expected) => {
    const l = lab({ policy: { writes } });
    const reply = l.send('BenchSupply_set_output', write(1));
    if (expected === 'REFUSED') {
      expect(await reply).toMatchObject({ code: 'REFUSED', data: { rule: 'policy.writes: deny' } });
    } else {
      expect((await filed(l)).rules[0].rule).toBe('policy.writes: approve');
      l.safety!.approvals.cancelAll('test over');
      expect(await reply).toMatchObject({ code: 'CANCELLED' });
    }
  });
});

describe('before the write', () => {
  it('min_interval_ms: a second write on the device waits out the interval', async () => {
    const l = lab({
      policy: { rules: [{ name: 'slow', classes: ['BenchSupply'], min_interval_ms: 150 }] },
    });
    const start = performance.now();
    await l.send('BenchSupply_set_output', write(1));
    await l.send('BenchSupply_set_output', write(2));
    expect(performance.now() - start).toBeGreaterThanOrEqual(145);
    expect(l.state.writes).toBe(2);
  });

  it('fails closed: a write whose audit line cannot be written is refused, the driver untouched', async () => {
    const audit = join(mkdtempSync(join(tmpdir(), 'labrelay-gate-')), 'audit.jsonl');
    const l = lab({ policy: {}, audit });
    expect(await l.send('BenchSupply_set_output', write(1))).toMatchObject({ status: 'ok' });
    l.close(); // the log's file is gone from under the worker
    const r = await l.send('BenchSupply_set_output', write(2));
    expect(r).toMatchObject({ status: 'error', code: 'UNAVAILABLE' });
    expect(r.status === 'error' && r.error).toMatch(/audit line could not be written/);
    expect(l.state.volts).toBe(1);
  });
});

describe('after the write', () => {
  it('reads the setting back and reports it; a readback further off than the tolerance is a DEVICE_ERROR naming both', async () => {
    const l = lab({
      policy: {
        rules: [
          {
            name: 'B readback',
            classes: ['BenchSupply'],
            settings: ['voltage'],
            readback: { tolerance: 0.01 },
          },
        ],
      },
    });
    expect(await l.send('BenchSupply_set_output', { channel: 'B', voltage: 5 })).toMatchObject({
      status: 'ok',
      write: { applied: { voltage: 5 } },
    });
    const r = await l.send('BenchSupply_set_output', { channel: 'B', voltage: 15 });
    expect(r).toMatchObject({
      status: 'error',
      code: 'DEVICE_ERROR',
      data: { setting: 'voltage', requested: 15, read_back: 10 },
    });
    expect(r.status === 'error' && r.error).toMatch(/reads back 10 after it was set to 15/);
  });
});
