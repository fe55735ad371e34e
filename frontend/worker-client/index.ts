/** The client of a labrelay worker, for the frontend, the launcher and TypeScript bench scripts. */
export { WorkerClient, type WorkerClientOptions, type RequestOptions } from './worker-client.js';
