/**
 * Which MCP client sent which worker request: the frontend picks the request id, so it can say
 * "Claude Desktop (session 3fa2)" where the worker's audit line only has the id. A request the
 * frontend did not send (a bench script's) has no label. Bounded: the oldest labels go first.
 */
export class CallLabels {
  private readonly labels = new Map<string, string>();

  constructor(private readonly max = 20_000) {}

  set(id: string, label: string): void {
    this.labels.set(id, label);
    if (this.labels.size > this.max) {
      const oldest = this.labels.keys().next().value;
      if (oldest !== undefined) this.labels.delete(oldest);
    }
  }

  get(id: string): string | undefined {
    return this.labels.get(id);
  }
}
