import { toolSignature, type DescribeResult } from '../../protocol/index.js';

/**
 * `--verbose`: the devices found and the tools their commands became, one line each, for a
 * person checking what a model will be offered. Written to stderr by the caller, never stdout.
 */
export function formatDevices(d: Pick<DescribeResult, 'devices' | 'device_classes'>): string {
  const lines = [`devices: ${d.devices.length}, classes: ${d.device_classes.length}`];
  for (const device of d.devices) {
    lines.push(
      `  device ${device.name}: ${device.class} from ${device.origin} on ${device.resource}`,
    );
  }
  for (const cls of d.device_classes) {
    lines.push(`  class ${cls.name} (${cls.devices.join(', ')}): ${cls.doc}`);
    for (const c of cls.commands) {
      lines.push(`    ${toolSignature(c.tool, c.inputSchema, c.outputSchema)}`);
    }
    for (const a of cls.attributes) {
      const tools = [a.tools.get, a.tools.set].filter(Boolean).join(', ') || 'no tools';
      lines.push(`    attribute ${a.name} (${a.access}${a.units ? `, ${a.units}` : ''}): ${tools}`);
    }
  }
  return lines.join('\n');
}
