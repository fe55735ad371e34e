import * as z from 'zod';
import {
  DeviceClassDescriptionSchema,
  DeviceDescriptionSchema,
  defineMethod,
  describeMethod,
  errorReply,
  type MethodDescription,
  type ReplyEnvelope,
} from '../../protocol/index.js';
import type { RequestOptions } from '../worker-client/index.js';
import type { FleetMember } from './fleet-member.js';
import { exposedName, unavailableText } from './merge-catalog.js';

/** Worker-level tools every worker serves; with several workers the fleet serves them once. */
export const SHARED_TOOLS: ReadonlySet<string> = new Set([
  'health',
  'worker_status',
  'list_devices',
]);

/** A tool the frontend answers itself, over several workers. */
export interface FleetTool {
  method: MethodDescription;
  call(params: Record<string, unknown>, options: RequestOptions): Promise<ReplyEnvelope>;
}

/** The fleet's tools read the workers' state and touch no device. */
const FLEET_QUERY = {
  readOnly: true,
  idempotent: true,
  destructive: false,
  resource: null,
} as const;

const WorkerRow = z.object({
  name: z.string(),
  endpoint: z.string(),
  state: z.enum(['up', 'down']),
  reason: z.string().optional().describe('Why it is down.'),
});

/**
 * `health`, `worker_status` and `list_devices` over every worker. health stays EAA's contract —
 * {"status": "ok"} — and fails with UNAVAILABLE, naming the worker, when any worker is down: a
 * task manager polling it learns the lab is not whole.
 */
export function fleetTools(members: FleetMember[]): FleetTool[] {
  const names = members.map((m) => m.name) as [string, ...string[]];
  const workerParam = z
    .enum(names)
    .optional()
    .describe(`Only this worker; default all (${names.join(', ')}).`);
  const select = (worker: unknown) =>
    members.filter((m) => worker === undefined || m.name === worker);
  const rows = (list: FleetMember[]) =>
    list.map((m) => ({
      name: m.name,
      endpoint: m.entry.endpoint,
      state: m.downReason === undefined ? ('up' as const) : ('down' as const),
      ...(m.downReason === undefined ? {} : { reason: m.downReason }),
    }));

  const health = describeMethod(
    'health',
    defineMethod({
      title: 'Lab health',
      description:
        `Check that every worker behind this endpoint (${names.join(', ')}) is running and ` +
        'answering. Returns {"status": "ok"} with one row per worker, or fails with UNAVAILABLE ' +
        'naming the workers that are down.',
      params: z.strictObject({}),
      result: z.object({ status: z.literal('ok'), workers: z.array(WorkerRow) }),
      ...FLEET_QUERY,
      deadline: { base_ms: 2000 },
      mcp: true,
    }),
  );
  const workerStatus = describeMethod(
    'worker_status',
    defineMethod({
      title: 'Worker status',
      description:
        'Show what each worker is doing now: operations running and queued per resource ' +
        '(device), how long each has run, and request counters since it started.',
      params: z.strictObject({ worker: workerParam }),
      result: z.object({
        workers: z.array(
          WorkerRow.extend({
            status: z.record(z.string(), z.unknown()).optional().describe("The worker's answer."),
          }),
        ),
      }),
      ...FLEET_QUERY,
      deadline: { base_ms: 2000 },
      mcp: true,
    }),
  );
  const listDevices = describeMethod(
    'list_devices',
    defineMethod({
      title: 'List devices',
      description:
        `List the devices of every worker (${names.join(', ')}) with their class, the worker ` +
        'that drives them and where they came from, and the classes with the tools that run ' +
        'their commands. Call a tool named Class_command, with device set to its name when a ' +
        'class has several devices.',
      params: z.strictObject({
        device_class: z
          .string()
          .min(1)
          .optional()
          .describe('Only devices of this class; default all.'),
        worker: workerParam,
      }),
      result: z.object({
        devices: z.array(DeviceDescriptionSchema.extend({ worker: z.string() })),
        classes: z.array(DeviceClassDescriptionSchema.extend({ worker: z.string() })),
        unavailable: z.array(WorkerRow).describe('Workers down now, whose devices are missing.'),
      }),
      ...FLEET_QUERY,
      deadline: { base_ms: 5000 },
      mcp: true,
    }),
  );

  return [
    {
      method: health,
      async call(_params, options) {
        const id = options.id ?? 'health';
        const replies = await Promise.all(
          members.map((m) =>
            m.downReason === undefined ? m.client.request('health', {}, options) : null,
          ),
        );
        const failed = members
          .map((m, i) => ({ m, reply: replies[i] }))
          .filter(({ reply }) => reply?.status !== 'ok');
        if (failed.length > 0) {
          const why = failed.map(({ m, reply }) =>
            reply?.status === 'error'
              ? `worker "${m.name}" (${m.entry.endpoint}): ${reply.error}`
              : unavailableText({
                  name: m.name,
                  endpoint: m.entry.endpoint,
                  downReason: m.downReason,
                }),
          );
          return errorReply(id, { code: 'UNAVAILABLE', message: why.join('; ') });
        }
        return { id, status: 'ok', result: { status: 'ok', workers: rows(members) } };
      },
    },
    {
      method: workerStatus,
      async call(params, options) {
        const chosen = select(params.worker);
        const workers = await Promise.all(
          chosen.map(async (m) => {
            const [row] = rows([m]);
            if (row.state === 'down') return row;
            const reply = await m.client.request('worker_status', {}, options);
            return reply.status === 'ok'
              ? { ...row, status: reply.result as Record<string, unknown> }
              : { ...row, state: 'down' as const, reason: `${reply.error} [${reply.code}]` };
          }),
        );
        return { id: options.id ?? 'worker_status', status: 'ok', result: { workers } };
      },
    },
    {
      method: listDevices,
      async call(params, options) {
        const asked =
          params.device_class === undefined ? {} : { device_class: params.device_class };
        // In config order, whatever order the workers answer in.
        const parts = await Promise.all(
          select(params.worker).map(async (m) => {
            const [row] = rows([m]);
            const none = { devices: [], classes: [] };
            if (row.state === 'down') return { ...none, unavailable: [row] };
            if (!m.described?.methods.some((d) => d.name === 'list_devices')) {
              return { ...none, unavailable: [] };
            }
            const reply = await m.client.request('list_devices', asked, options);
            if (reply.status === 'error') {
              return {
                ...none,
                unavailable: [{ ...row, state: 'down' as const, reason: reply.error }],
              };
            }
            return { ...renamed(reply.result as DeviceList, m), unavailable: [] };
          }),
        );
        const devices: unknown[] = parts.flatMap((p) => p.devices);
        const classes: unknown[] = parts.flatMap((p) => p.classes);
        const unavailable: unknown[] = parts.flatMap((p) => p.unavailable);
        return {
          id: options.id ?? 'list_devices',
          status: 'ok',
          result: { devices, classes, unavailable },
        };
      },
    },
  ];
}

interface DeviceList {
  devices: Array<Record<string, unknown>>;
  classes: Array<
    Record<string, unknown> & {
      commands: Array<{ tool: string }>;
      attributes: Array<{ tools: { get: string | null; set: string | null } }>;
    }
  >;
}

/** One worker's devices, tagged with the worker and with its tool names as served. */
function renamed(list: DeviceList, member: FleetMember) {
  const rename = (tool: string | null) =>
    tool === null ? null : exposedName(member.entry.prefix, tool);
  return {
    devices: list.devices.map((d) => ({ ...d, worker: member.name })),
    classes: list.classes.map((c) => ({
      ...c,
      worker: member.name,
      commands: c.commands.map((cmd) => ({ ...cmd, tool: rename(cmd.tool) })),
      attributes: c.attributes.map((a) => ({
        ...a,
        tools: { get: rename(a.tools.get), set: rename(a.tools.set) },
      })),
    })),
  };
}
