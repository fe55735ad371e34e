import { Router } from 'zeromq';

/**
 * The wire limit for `direct`: a ROUTER that sends back a fixed health reply without parsing or
 * dispatching anything. Whatever the worker adds on top of this is the worker's own cost.
 */
const endpoint = process.argv[2];
const router = new Router({ linger: 0 });
await router.bind(endpoint);
process.stderr.write('zmq-echo ready\n');
const reply = '{"id":"x","status":"ok","result":{"status":"ok"}}';
for await (const [identity, empty] of router) {
  await router.send([identity, empty, reply]);
}
