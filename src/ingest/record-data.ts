/** Makes any parsed value a record's `data` object: objects as they are, other values as `{ value }`. */
export function toRecordData(value: unknown): Record<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    return value as Record<string, unknown>;
  }
  return { value };
}

/** A payload that may or may not be JSON: JSON values via toRecordData, anything else as `{ text }`. */
export function parsePayload(text: string, format: 'json' | 'text' | 'auto'): Record<string, unknown> {
  if (format === 'text') return { text };
  try {
    return toRecordData(JSON.parse(text));
  } catch (err) {
    if (format === 'json') throw err;
    return { text };
  }
}
