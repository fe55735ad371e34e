import * as z from 'zod';
import {
  defineMethod,
  describeMethod,
  errorReply,
  safetyMethods,
  type ReplyEnvelope,
} from '../../protocol/index.js';
import type { FleetMember } from './fleet-member.js';
import type { FleetTool } from './fleet-tools.js';

/** How long stop_all waits for each worker; one that does not answer is reported, not waited on. */
const STOP_TIMEOUT_MS = 35_000;

/**
 * `stop_all`: the agent's (and anyone's) emergency stop, sent to every worker at once. Always
 * listed, never gated and never queued behind a device (ALS Osprey's stop_run: "halting must
 * never have a failure mode"). A worker that cannot be reached is reported by name; the others
 * stop regardless. Only a person resumes (labrelay resume): that is not a tool.
 */
export function stopAllTool(members: FleetMember[]): FleetTool {
  const method = describeMethod(
    'stop_all',
    defineMethod({
      title: 'Stop everything',
      description:
        'Emergency stop of the whole lab: cancels every running and queued operation and ' +
        'pending approval, puts each device in its safe state (supply outputs off, scans ' +
        'stopped) and refuses writes until a person resumes the lab. Reads keep working. Use ' +
        'it whenever something looks wrong; you cannot undo it yourself.',
      params: z.strictObject({
        reason: z.string().max(500).optional().describe('Why, for the person and the log.'),
      }),
      result: z.object({
        workers: z.array(
          z.object({
            name: z.string(),
            ok: z.boolean(),
            error: z.string().optional(),
            result: safetyMethods.stop_all.result.optional(),
          }),
        ),
      }),
      readOnly: false,
      idempotent: true,
      destructive: false,
      resource: null,
      deadline: { base_ms: STOP_TIMEOUT_MS },
      mcp: true,
    }),
  );
  return {
    method,
    call: async (params, options): Promise<ReplyEnvelope> => {
      const reason = typeof params.reason === 'string' ? params.reason : undefined;
      // No signal: a stop the client gave up on still stops the lab.
      const replies = await Promise.all(
        members.map((m) =>
          m.client.request(
            'stop_all',
            { ...(reason ? { reason } : {}), by: 'agent', via: 'mcp' },
            { timeoutMs: STOP_TIMEOUT_MS },
          ),
        ),
      );
      const workers = replies.map((reply, i) =>
        reply.status === 'ok'
          ? { name: members[i].name, ok: true, result: reply.result as never }
          : { name: members[i].name, ok: false, error: `${reply.code}: ${reply.error}` },
      );
      if (workers.every((w) => !w.ok)) {
        return errorReply(options.id ?? '', {
          code: 'UNAVAILABLE',
          message: `no worker confirmed the stop: ${workers.map((w) => `${w.name}: ${w.error}`).join('; ')}`,
        });
      }
      return { id: options.id ?? '', status: 'ok', result: { workers } };
    },
  };
}
