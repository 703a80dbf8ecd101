import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/**
 * The limit: the same rows COPYed straight into the same table (same indexes, same partitions), with no
 * API in between. Returns rows/s.
 */
export async function rawCopy(
  databaseUrl: string,
  rows: number,
  datastreamIds: number[],
  foiId: number,
  startMs: number,
  stepMs: number,
): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const t = performance.now();
    const stream = client.query(
      copyFrom(
        'COPY sta_observations (tenant_id, phenomenon_time_start, result, datastream_id, feature_of_interest_id) FROM STDIN',
      ),
    );
    const source = Readable.from(
      (function* () {
        const chunk: string[] = [];
        for (let i = 0; i < rows; i++) {
          const ds = datastreamIds[i % datastreamIds.length];
          const time = new Date(startMs + Math.floor(i / datastreamIds.length) * stepMs).toISOString();
          chunk.push(`default\t${time}\t${(i % 1000) / 10}\t${ds}\t${foiId}\n`);
          if (chunk.length === 10_000) {
            yield chunk.join('');
            chunk.length = 0;
          }
        }
        if (chunk.length) yield chunk.join('');
      })(),
    );
    await pipeline(source, stream);
    return rows / ((performance.now() - t) / 1000);
  } finally {
    await client.end();
  }
}
