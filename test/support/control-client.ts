import type { TestPlatform } from './test-platform.ts';

/** A created resource as the tests read it. */
export interface Resource {
  id: number;
  name: string;
  createdAt: string;
  updatedAt: string;
  [member: string]: unknown;
}

/** The control plane of one tenant tree through `inject()` (no socket), with a bearer token when given. */
export function controlClient(platform: TestPlatform, token: string | undefined, base = '/api/v1') {
  const send = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, payload?: unknown, headers = {}) =>
    platform.app.inject({
      method,
      url: `${base}${path}`,
      ...(payload === undefined ? {} : { payload: payload as string }),
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    });
  return {
    get: (path: string) => send('GET', path),
    post: (path: string, body?: unknown, headers?: Record<string, string>) =>
      send('POST', path, body, headers),
    patch: (path: string, body: unknown) => send('PATCH', path, body),
    del: (path: string) => send('DELETE', path),
    /** POST that must answer 201; returns the parsed body. */
    async create(path: string, body: unknown): Promise<Resource> {
      const res = await send('POST', path, body);
      if (res.statusCode !== 201) throw new Error(`POST ${path}: ${res.statusCode} ${res.body}`);
      return res.json<Resource>();
    },
  };
}

export type ControlClient = ReturnType<typeof controlClient>;
