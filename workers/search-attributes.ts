// Registers the grant search attributes on the namespace if missing, so a fresh self-hosted
// cluster needs no manual `temporal operator search-attribute create`.
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTES } from '../workflows/definitions';
import type { Logger } from '../lib/logger';

export async function ensureSearchAttributes(connection: Connection, namespace: string, logger: Logger): Promise<void> {
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const known = new Set(Object.keys(existing.customAttributes ?? {}));
    const missing = SEARCH_ATTRIBUTES.filter((name) => !known.has(name));
    if (missing.length === 0) return;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(
        missing.map((name) => [name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
      ),
    });
    logger.info({ added: missing }, 'registered search attributes');
  } catch (err) {
    // Temporal Cloud manages search attributes through its own API: say what to create.
    logger.warn(
      { err: (err as Error).message, needed: SEARCH_ATTRIBUTES },
      'could not register search attributes; create them as Keyword attributes on the namespace',
    );
  }
}
