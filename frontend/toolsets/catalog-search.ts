import type { DescribeResult, JsonSchema } from '../../protocol/index.js';
import type { ServedTool } from '../fleet/fleet.js';
import type { ToolPlacement } from './toolsets.js';

/** One tool as search sees it. */
interface Entry {
  tool: ServedTool;
  place: ToolPlacement | undefined;
  /** Term → weight: where the term occurs (name 3, class and device 3, units 2, text 1). */
  terms: Map<string, number>;
}

export interface SearchHit {
  tool: ServedTool;
  place: ToolPlacement | undefined;
  score: number;
}

const STOPWORDS = new Set(
  'a an and are as at be by for from get i in into is it me my of on or set the this to use using what which with'.split(
    ' ',
  ),
);

/**
 * The whole catalog, searchable by words: tool names, descriptions, the device class and its
 * doc, the devices, the parameters and their units — ranked like BM25 without length
 * normalisation (descriptions here are short and similar): a term counts by where it occurs and
 * how rare it is in the catalog. Model numbers match inside names (`34401A` in `HP34401A`).
 */
export class CatalogSearch {
  private readonly entries: Entry[];
  private readonly idf = new Map<string, number>();

  constructor(
    tools: ServedTool[],
    placed: Map<string, ToolPlacement>,
    described: Map<string, DescribeResult | undefined>,
  ) {
    const classDocs = new Map<string, string>();
    const classDevices = new Map<string, string[]>();
    for (const d of described.values()) {
      for (const c of d?.device_classes ?? []) {
        classDocs.set(c.name, c.doc);
        classDevices.set(c.name, c.devices);
      }
    }
    this.entries = tools.map((tool) => {
      const place = placed.get(tool.method.name);
      const terms = new Map<string, number>();
      const add = (text: string | undefined, weight: number) => {
        for (const term of tokens(text ?? ''))
          terms.set(term, Math.max(terms.get(term) ?? 0, weight));
      };
      add(tool.method.name, 3);
      add(tool.method.title, 2);
      add(tool.method.description, 1);
      if (place?.deviceClass) {
        add(place.deviceClass, 3);
        add(classDocs.get(place.deviceClass), 2);
        add((classDevices.get(place.deviceClass) ?? []).join(' '), 2);
      }
      add(place?.toolset, 1);
      for (const [param, schema] of Object.entries(
        (tool.method.inputSchema.properties ?? {}) as Record<string, JsonSchema>,
      )) {
        add(param, 1);
        const unit = schema['x-unit'];
        if (typeof unit === 'string') add(unitWords(unit), 2);
      }
      return { tool, place, terms };
    });
    const df = new Map<string, number>();
    for (const e of this.entries) for (const t of e.terms.keys()) df.set(t, (df.get(t) ?? 0) + 1);
    const n = this.entries.length;
    for (const [t, count] of df) this.idf.set(t, Math.log(1 + (n - count + 0.5) / (count + 0.5)));
  }

  search(query: string, limit: number): SearchHit[] {
    const wanted = [...new Set(tokens(query))];
    if (wanted.length === 0) return [];
    const hits: SearchHit[] = [];
    for (const e of this.entries) {
      let score = 0;
      for (const term of wanted) {
        const weight = e.terms.get(term);
        if (weight !== undefined) score += weight * (this.idf.get(term) ?? 0);
      }
      if (score > 0) hits.push({ tool: e.tool, place: e.place, score });
    }
    return hits
      .sort((a, b) => b.score - a.score || a.tool.method.name.localeCompare(b.tool.method.name))
      .slice(0, limit);
  }
}

/**
 * Lower-case words, without stopwords, each also split at letter/digit changes (`hp34401a` →
 * `hp`, `34401`, `a`, and `34401a`, the model as people write it), with a plural's `s` dropped.
 */
export function tokens(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.toLowerCase().split(/[^a-z0-9]+/)) {
    if (!raw || STOPWORDS.has(raw)) continue;
    const word =
      raw.length > 3 && raw.endsWith('s') && !raw.endsWith('ss') ? raw.slice(0, -1) : raw;
    out.push(word);
    const parts = word.match(/[a-z]+|[0-9]+/g) ?? [];
    if (parts.length > 1) {
      out.push(...parts.filter((p) => p.length > 1 && !STOPWORDS.has(p)));
      const fromDigits = word.replace(/^[a-z]+(?=[0-9])/, '');
      if (fromDigits !== word) out.push(fromDigits);
    }
  }
  return out;
}

/** `V` → "V volt voltage": a query says the quantity, a schema says the unit. */
function unitWords(unit: string): string {
  const names: Record<string, string> = {
    V: 'volt voltage',
    A: 'amp ampere current',
    Ω: 'ohm resistance',
    Hz: 'hertz frequency',
    s: 'second time',
    kV: 'kilovolt voltage',
    nm: 'nanometre position',
    pA: 'picoamp current',
    ms: 'millisecond time',
  };
  return `${unit} ${names[unit] ?? ''}`;
}
