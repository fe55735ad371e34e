import { hostname, userInfo } from 'node:os';
import { type ApprovalRecord, type LabState, type ReplyEnvelope } from '../../protocol/index.js';
import { WorkerClient } from '../../frontend/worker-client/index.js';
import { loadConfig } from '../config/load.js';
import { frontendWorkers } from '../options.js';

/** The person's commands: what the lab waits for, and the decisions only a person makes. */
export type SuperviseCommand = 'approvals' | 'approve' | 'deny' | 'resume' | 'lock' | 'stop';

/**
 * `labrelay approvals | approve ID | deny ID | resume | lock "reason" | stop "reason"`: run on
 * the lab machine by a person, against every worker the config lists (an approval lives on the
 * worker that holds the waiting call). Recorded as `user@host` via `cli`.
 */
export async function runSupervise(flags: {
  command: SuperviseCommand;
  argument?: string;
  config?: string;
  worker?: string;
}): Promise<number> {
  const loaded = loadConfig(flags.config);
  const workers = frontendWorkers(loaded, {}).filter(
    (w) => !flags.worker || w.name === flags.worker || w.endpoint === flags.worker,
  );
  if (workers.length === 0) {
    process.stderr.write(`labrelay ${flags.command}: no worker named ${flags.worker}\n`);
    return 2;
  }
  const by = `${userInfo().username}@${hostname()}`;
  const clients = workers.map((w) => ({
    name: w.name,
    client: new WorkerClient({ endpoint: w.endpoint, events: false, curve: w.curve }),
  }));
  const ask = (client: WorkerClient, method: string, params: Record<string, unknown>) =>
    client.request(method, params, { timeoutMs: 5000 });
  try {
    switch (flags.command) {
      case 'approvals': {
        const replies = await Promise.all(
          clients.map(async (c) => ({ c, reply: await ask(c.client, 'approvals_list', {}) })),
        );
        let failed = false;
        const now = Date.now();
        for (const { c, reply } of replies) {
          if (reply.status === 'error') {
            failed = true;
            process.stderr.write(`${c.name}: ${reply.error}\n`);
            continue;
          }
          for (const a of (reply.result as { approvals: ApprovalRecord[] }).approvals) {
            process.stdout.write(approvalLine(a, now) + '\n');
          }
        }
        return failed ? 1 : 0;
      }
      case 'approve':
      case 'deny': {
        const id = flags.argument!;
        const decision = flags.command;
        // Ids are unique per worker; the one that holds it answers, the others do not know it.
        const replies = await Promise.all(
          clients.map((c) => ask(c.client, 'approval_decide', { id, decision, by, via: 'cli' })),
        );
        const done = replies.find((r) => r.status === 'ok');
        if (done && done.status === 'ok') {
          const a = (done.result as { approval: ApprovalRecord }).approval;
          process.stdout.write(`${a.id} ${a.status} by ${a.decided_by}: ${a.summary}\n`);
          return 0;
        }
        process.stderr.write(errors(replies, clients) + '\n');
        return 1;
      }
      case 'resume':
      case 'lock':
      case 'stop': {
        const method = flags.command === 'stop' ? 'stop_all' : flags.command;
        const params =
          flags.command === 'resume'
            ? { by, via: 'cli' }
            : { by, via: 'cli', reason: flags.argument ?? 'stopped from the command line' };
        const replies = await Promise.all(clients.map((c) => ask(c.client, method, params)));
        let failed = false;
        replies.forEach((reply, i) => {
          if (reply.status === 'error') {
            failed = true;
            process.stderr.write(`${clients[i].name}: ${reply.error}\n`);
            return;
          }
          const result = reply.result as LabState | StopResult;
          const lab = 'lab' in result ? result.lab : result;
          process.stdout.write(
            `${clients[i].name}: ${lab.state}${lab.reason ? ` (${lab.reason})` : ''}\n`,
          );
          if ('safe_states' in result) {
            process.stdout.write(
              `  cancelled: ${result.cancelled.length} operation(s), ` +
                `${result.approvals_cancelled} approval(s)\n`,
            );
            for (const s of result.safe_states) {
              if (!s.ok) failed = true;
              process.stdout.write(
                `  ${s.device}: ${s.ok ? s.actions.join(', ') : `FAILED: ${s.error}`}\n`,
              );
            }
          }
        });
        return failed ? 1 : 0;
      }
    }
  } finally {
    for (const c of clients) c.client.close();
  }
  return 2;
}

interface StopResult {
  lab: LabState;
  cancelled: string[];
  approvals_cancelled: number;
  safe_states: Array<{ device: string; actions: string[]; ok: boolean; error?: string }>;
}

/** `id  age  device  method  params  rule`, one line per pending approval. */
function approvalLine(a: ApprovalRecord, now: number): string {
  const age = Math.round((now - Date.parse(a.created_at)) / 1000);
  return [
    a.id,
    `${age}s`,
    a.device ?? '-',
    a.method,
    JSON.stringify(a.params),
    a.rules.map((r) => r.rule).join(', '),
  ].join('  ');
}

function errors(replies: ReplyEnvelope[], clients: Array<{ name: string }>): string {
  return replies
    .map((r, i) => (r.status === 'error' ? `${clients[i].name}: ${r.error}` : ''))
    .filter(Boolean)
    .join('\n');
}
