/**
 * A device tool's description: the command's doc line, then `Device class: X` and `Command: Y`
 * as Asyncroscopy writes them, then the devices. Parameters, their units and ranges are in the
 * input schema the model reads beside it: said twice they only cost context (about a third of a
 * device tool's definition did before).
 */
export function toolDescription(o: {
  doc: string;
  className: string;
  command: string;
  devices: string[];
}): string {
  const lines = [o.doc, `Device class: ${o.className}`, `Command: ${o.command}`];
  if (o.devices.length > 1) {
    lines.push(`Devices (pass one as device): ${o.devices.join(', ')}`);
  } else if (o.devices.length === 1) {
    lines.push(`Device: ${o.devices[0]}`);
  }
  return lines.join('\n');
}
