/**
 * `{{label}}` templates of discovered resources: each placeholder becomes the value of that
 * label of the discovered series. Inside PromQL the value is escaped for a double-quoted string;
 * a resource name is lowercased with everything outside [a-z0-9-_.] turned into `-`.
 */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

const PLACEHOLDER = /\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g;

export type Escape = (value: string) => string;

export const asIs: Escape = (v) => v;
export const promqlString: Escape = (v) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

export function renderTemplate(
  template: string,
  labels: Record<string, string>,
  escape: Escape = asIs,
): string {
  return template.replace(PLACEHOLDER, (_, label: string) => {
    const value = labels[label];
    if (value === undefined)
      throw new TemplateError(`{{${label}}}: the discovered series has no label "${label}"`);
    return escape(value);
  });
}

/** A config name from any rendered text: lowercase, [a-z0-9-_.], starting with a letter or digit, ≤ 63. */
export function toName(text: string): string {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9-_.]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 63);
  if (!slug) throw new TemplateError(`"${text}" gives an empty resource name`);
  return slug;
}
