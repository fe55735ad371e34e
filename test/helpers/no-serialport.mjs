// Loaded with `node --import`: makes `import('serialport')` fail in that process, as on a machine
// where node-serialport's native addon cannot load. Nothing else is touched.
import { register } from 'node:module';

const hooks = `
export async function resolve(specifier, context, next) {
  if (specifier === 'serialport') {
    throw new Error('simulated: no prebuilt serialport binary for this platform');
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
