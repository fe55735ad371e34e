import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveSubscriber } from '../helpers/events.js';
import { CatalogChangedEventSchema } from '../../protocol/index.js';
import { stopAllProcesses } from '../helpers/labrelay-process.js';
import { startTangoBridge, bridgeClients, resultOf } from '../helpers/tango.js';
import {
  startTangoDatabase,
  stopAllTangoDatabases,
  type TangoDatabase,
} from '../helpers/tango-database.js';

/*
 * Database mode against a real Tango database: Debian's DataBaseds on a private MariaDB, with
 * TangoTest servers registered in it. The bridge gets tango_host (or TANGO_HOST) and no device
 * list, lists the exported devices, leaves out dserver/* and the blocked classes (the database's
 * own sys/database/2 is class DataBase), and serves the rest.
 */
const CORE = [
  'health',
  'describe',
  'cancel',
  'worker_status',
  'list_devices',
  'stop_all',
  'lab_state',
  'resume',
  'lock',
  'approvals_list',
  'approval_decide',
];
const { connect, close: closeClients } = bridgeClients();
const sockets: Array<{ close(): void }> = [];
let db: TangoDatabase;

beforeAll(async () => {
  db = await startTangoDatabase();
  await db.registerTangoTest('test', ['sys/tg_test/1']);
}, 30_000);

afterAll(async () => {
  closeClients();
  for (const s of sockets) s.close();
  await stopAllProcesses();
  await stopAllTangoDatabases();
});

describe('a real Tango database', () => {
  it('exports the database device, the admin devices and the running TangoTest', async () => {
    expect((await db.exported()).sort()).toEqual([
      'dserver/DataBaseds/2',
      'dserver/TangoTest/test',
      'sys/database/2',
      'sys/tg_test/1',
    ]);
  });
});

describe('database mode', () => {
  it('serves the exported TangoTest through tango_host, without dserver/* or the DataBase device', async () => {
    const bridge = await startTangoBridge({ tango_host: db.tangoHost, devices: [] });
    const client = await connect(bridge);
    const d = client.described!;
    expect(d.devices).toEqual([
      expect.objectContaining({
        name: 'sys/tg_test/1',
        class: 'TangoTest',
        origin: `tango:${db.tangoHost}`,
        resource: 'tango:sys/tg_test/1',
        info: expect.objectContaining({
          url: `tango://${db.tangoHost}/sys/tg_test/1`,
          server_id: 'TangoTest/test',
        }),
      }),
    ]);
    const names = d.methods.map((m) => m.name);
    expect(names).toContain('TangoTest_DevDouble');
    expect(names.filter((n) => !CORE.includes(n) && !n.startsWith('TangoTest_'))).toEqual([]);
    expect(resultOf(await client.request('list_devices', {}))).toMatchObject({
      devices: [expect.objectContaining({ name: 'sys/tg_test/1' })],
    });
    expect(resultOf(await client.request('TangoTest_DevDouble', { arg: 3.5 }))).toBe(3.5);
    // The admin devices are never probed, and the database device is read but blocked.
    expect(bridge.stderr()).not.toMatch(/dserver\//i);
    expect(bridge.stderr()).not.toMatch(/skipping/);
  });

  it('finds the database through TANGO_HOST when tango_host is not given', async () => {
    const bridge = await startTangoBridge({ devices: [] }, { env: { TANGO_HOST: db.tangoHost } });
    const client = await connect(bridge);
    expect(client.described!.devices).toEqual([
      expect.objectContaining({
        name: 'sys/tg_test/1',
        class: 'TangoTest',
        origin: `tango:${db.tangoHost}`,
      }),
    ]);
    expect(resultOf(await client.request('TangoTest_DevDouble', { arg: 3.5 }))).toBe(3.5);
  });

  it('blocked_classes TangoTest leaves nothing but the core methods: DataBase stays blocked', async () => {
    const bridge = await startTangoBridge({
      tango_host: db.tangoHost,
      devices: [],
      blocked_classes: ['TangoTest'],
    });
    const client = await connect(bridge);
    expect(client.described!.methods.map((m) => m.name)).toEqual(CORE);
    expect(client.described!.devices).toEqual([]);
    const reply = await client.request('TangoTest_DevDouble', { arg: 1 });
    expect((reply as { error: string }).error).toMatch(/class TangoTest is in blocked_classes$/);
  });

  it('finds a server registered and started after it is up, and announces it on $catalog', async () => {
    const bridge = await startTangoBridge({
      tango_host: db.tangoHost,
      devices: [],
      rediscover_s: 1,
    });
    const client = await connect(bridge);
    expect(client.described!.devices.map((d) => d.name)).toEqual(['sys/tg_test/1']);
    const events = await liveSubscriber(bridge.eventsEndpoint, ['$catalog']);
    sockets.push(events.sub);

    await db.registerTangoTest('second', ['test/db/2']);
    const [topic, body] = await events.next('$catalog');
    expect(topic).toBe('$catalog');
    const event = CatalogChangedEventSchema.parse(JSON.parse(body.toString()));
    const described = await client.describe();
    expect(event.catalog_hash).toBe(described.catalog_hash);
    expect(described.devices.map((d) => [d.name, d.class])).toEqual([
      ['sys/tg_test/1', 'TangoTest'],
      ['test/db/2', 'TangoTest'],
    ]);
    // Two devices of one class: the tools now take a device argument.
    const tool = described.methods.find((m) => m.name === 'TangoTest_DevDouble')!;
    expect(tool.inputSchema.required).toEqual(['arg', 'device']);
    expect(
      resultOf(await client.request('TangoTest_DevDouble', { arg: 7.25, device: 'test/db/2' })),
    ).toBe(7.25);
    expect(
      resultOf(await client.request('TangoTest_DevDouble', { arg: 3.5, device: 'sys/tg_test/1' })),
    ).toBe(3.5);
  });

  it('keeps serving while the database is down, says so once per outage, and lists again when it is back', async () => {
    const bridge = await startTangoBridge({
      tango_host: db.tangoHost,
      devices: [],
      rediscover_s: 0.5,
    });
    const client = await connect(bridge);
    const events = await liveSubscriber(bridge.eventsEndpoint, ['$catalog']);
    sockets.push(events.sub);
    const outage =
      /tango warn skipping \$database: cannot list the exported devices: .*API_CantConnectToDatabase.*; retrying at the next rediscovery/g;

    await db.stopDatabaseServer();
    await until(() => (bridge.stderr().match(outage) ?? []).length === 1);
    // Devices already found are called directly, without the database.
    const call = { arg: 1.25, device: 'sys/tg_test/1' };
    expect(resultOf(await client.request('TangoTest_DevDouble', call))).toBe(1.25);

    await db.startDatabaseServer();
    await db.registerTangoTest('third', ['test/db/3']);
    await events.next('$catalog');
    expect((await client.describe()).devices.map((d) => d.name)).toContain('test/db/3');
    expect(bridge.stderr()).toContain(
      `tango info Tango database reachable again tango_host=${db.tangoHost}`,
    );
    expect(
      resultOf(await client.request('TangoTest_DevDouble', { arg: 2.5, device: 'test/db/3' })),
    ).toBe(2.5);

    // A second outage is reported again, not only at debug level.
    await db.stopDatabaseServer();
    await until(() => (bridge.stderr().match(outage) ?? []).length === 2);
    await db.startDatabaseServer();
  });
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
