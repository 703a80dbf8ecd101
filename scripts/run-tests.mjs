#!/usr/bin/env node
// `npm test`: runs every *.test.ts under src/, test/ and bench/ with Node's test runner (Node 20 does not
// expand globs, so the file list is built here). Extra arguments narrow the run to paths containing them.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const roots = ['src', 'test', 'bench'];
const filters = process.argv.slice(2);
const files = roots
  .flatMap((root) => {
    try {
      return readdirSync(root, { recursive: true }).map((f) => join(root, String(f)));
    } catch {
      return [];
    }
  })
  .filter((f) => f.endsWith('.test.ts') && !f.includes('node_modules'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
if (!process.env.URBS_TEST_DATABASE_URL) {
  console.warn(
    'URBS_TEST_DATABASE_URL is unset: suites that need PostgreSQL run on the embedded database only',
  );
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=300000', ...files],
  { stdio: 'inherit', env: { ...process.env, URBS_LOG_LEVEL: process.env.URBS_LOG_LEVEL ?? 'silent' } },
);
process.exit(result.status ?? 1);
