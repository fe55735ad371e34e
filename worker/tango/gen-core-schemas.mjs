// Regenerates labrelay_tango/core_schemas.json — the core methods (health, describe, cancel,
// worker_status, list_devices) and the safety policy's supervisor methods (stop_all, lab_state,
// resume, lock, approvals_list, approval_decide) exactly as the TypeScript worker describes
// them — from the built protocol. The bridge runs without Node, so it ships the result;
// test/tango/describe.test.ts fails when the two drift apart. Run after `npm run build`:
//   node worker/tango/gen-core-schemas.mjs
import { writeFileSync } from 'node:fs';
import {
  coreMethods,
  deviceMethods,
  describeMethod,
  safetyMethods,
} from '../../dist/protocol/index.js';

const methods = { ...coreMethods, ...deviceMethods, ...safetyMethods };
const described = Object.entries(methods).map(([name, spec]) => describeMethod(name, spec));
const target = new URL('./labrelay_tango/core_schemas.json', import.meta.url);
writeFileSync(target, JSON.stringify(described, null, 1) + '\n');
console.error(`wrote ${described.length} method descriptions to ${target.pathname}`);
