import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StoreUnavailableError } from '../store.ts';

export interface DataDirLock {
  release(): Promise<void>;
}

/**
 * The embedded database must only ever be opened by one process: two writers corrupt it. A lock file with
 * the owner's pid guards the data dir; a stale lock (its process is gone) is taken over.
 */
export async function acquireDataDirLock(dataDir: string): Promise<DataDirLock> {
  const path = join(dataDir, 'urbs.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return { release: () => rm(path, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new StoreUnavailableError(
          `data dir ${dataDir} is in use by another urbs process (pid ${owner}); stop it or use another --data-dir`,
        );
      }
      await rm(path, { force: true });
    }
  }
  throw new StoreUnavailableError(`cannot lock data dir ${dataDir}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
