import type { TestPlatform } from './test-platform.ts';

/** What a control-plane test reads from a response. */
export interface ControlResponse {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  json(): any;
}

/** The control plane of one tenant tree through `inject()` (no socket), with a bearer token when given. */
export function controlClient(platform: TestPlatform, token: string | undefined, base = '/api/v1') {
  const send = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, payload?: unknown, headers = {}) =>
    platform.app.inject({
      method,
      url: `${base}${path}`,
      ...(payload === undefined ? {} : { payload: payload as string }),
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    }) as Promise<ControlResponse>;
  return {
    get: (path: string) => send('GET', path),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => send('POST', path, body, headers),
    patch: (path: string, body: unknown) => send('PATCH', path, body),
    del: (path: string) => send('DELETE', path),
    /** POST that must answer 201; returns the parsed body. */
    async create(path: string, body: unknown): Promise<any> {
      const res = await send('POST', path, body);
      if (res.statusCode !== 201) throw new Error(`POST ${path}: ${res.statusCode} ${res.body}`);
      return res.json();
    },
  };
}

export type ControlClient = ReturnType<typeof controlClient>;
