import { v4 as uuidv4 } from 'uuid';
import { Request } from 'zeromq';

/** A bench script's view of the worker: one REQ socket, one request at a time. */
export function rawWorkerClient(endpoint: string) {
  const socket = new Request({ linger: 0 });
  socket.connect(endpoint);
  return {
    async call(method: string, params: Record<string, unknown>): Promise<any> {
      await socket.send(JSON.stringify({ id: uuidv4(), method, params }));
      const [frame] = await socket.receive();
      const reply = JSON.parse(frame.toString());
      if (reply.status !== 'ok') throw new Error(`${method}: ${JSON.stringify(reply.error)}`);
      return reply.result;
    },
    close: async () => socket.close(),
  };
}
