/**
 * Collects what goes on the wire to an instrument during one operation, per resource: a GPIB
 * bridge reports each line it sends, and the write's result lists them (siglent-scpi-mcp's
 * `commands[]`: what a request leaves on the instrument, even when it fails part way). Operations
 * on one resource run one at a time, so a line belongs to the operation that holds it.
 */
export class WireTap {
  private readonly open = new Map<string, string[]>();

  /** Starts collecting for `resource`; returns the list that fills up. */
  begin(resource: string): string[] {
    const lines: string[] = [];
    this.open.set(resource, lines);
    return lines;
  }

  end(resource: string): void {
    this.open.delete(resource);
  }

  /** Called by a link for each message it sends to an instrument. */
  record(resource: string, line: string): void {
    const lines = this.open.get(resource);
    if (lines && lines.length < 1000) lines.push(line);
  }
}
