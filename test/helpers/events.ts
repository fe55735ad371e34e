import { Subscriber } from 'zeromq';
import { HEARTBEAT_TOPIC } from '../../protocol/index.js';

/**
 * A SUB socket on a worker's events endpoint for `topics`, resolved once it is live: a
 * subscription takes a moment to reach the publisher and PUB drops what a late joiner missed
 * (zguide, "the slow joiner"), so it waits for a heartbeat (one a second) rather than a guess.
 * `next(topic)` receives the next event of that topic, skipping heartbeats and other topics.
 */
export async function liveSubscriber(
  endpoint: string,
  topics: string[],
  receiveTimeout = 10_000,
): Promise<{ sub: Subscriber; next(topic: string): Promise<[string, Buffer]> }> {
  const sub = new Subscriber({ linger: 0, receiveTimeout });
  sub.connect(endpoint);
  sub.subscribe(HEARTBEAT_TOPIC);
  for (const topic of topics) sub.subscribe(topic);
  const next = async (topic: string): Promise<[string, Buffer]> => {
    for (;;) {
      const [name, body] = await sub.receive();
      if (name.toString() === topic) return [topic, body];
    }
  };
  await next(HEARTBEAT_TOPIC);
  return { sub, next };
}
