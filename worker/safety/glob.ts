/** A config glob (`*` any run of characters, `?` one) as an anchored, case-sensitive test. */
export function globMatcher(pattern: string): (name: string) => boolean {
  if (!/[*?]/.test(pattern)) return (name) => name === pattern;
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/-]/g, '\\$&')))
    .join('');
  const re = new RegExp(`^${source}$`);
  return (name) => re.test(name);
}

/** Whether any of the globs matches `name`. */
export function anyGlob(patterns: readonly string[], name: string): boolean {
  return patterns.some((p) => globMatcher(p)(name));
}
