import net from 'node:net';

/**
 * A keep-alive HTTP/1.1 JSON client for load generation: one connection per concurrent caller, each request
 * a complete request whose complete response is awaited before the connection takes the next one (no
 * pipelining). It writes each request with one `write` and parses only what it needs (status line,
 * Content-Length or chunked body). Node's `http.request` cost ~50 µs of CPU per request here, which on a
 * 2-core machine shared with urbs and PostgreSQL was taken from the server being measured.
 */
export function createClient(base: string, token: string, maxSockets = 64) {
  const u = new URL(base);
  const host = u.hostname;
  const port = Number(u.port || 80);
  const hostHeader = u.host;
  const idle: Connection[] = [];
  const all = new Set<Connection>();
  const waiting: Array<(c: Connection) => void> = [];

  function acquire(): Promise<Connection> {
    let c = idle.pop();
    while (c?.closed) c = idle.pop();
    if (c) return Promise.resolve(c);
    if (all.size < maxSockets) {
      const conn = new Connection(host, port, () => all.delete(conn));
      all.add(conn);
      return Promise.resolve(conn);
    }
    return new Promise((resolve) => waiting.push(resolve));
  }

  function release(c: Connection) {
    if (c.closed) {
      // A waiter gets a fresh connection instead.
      const w = waiting.shift();
      if (w) void acquire().then(w);
      return;
    }
    const w = waiting.shift();
    if (w) w(c);
    else idle.push(c);
  }

  async function request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: string }> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    let head = `${method} ${path} HTTP/1.1\r\nhost: ${hostHeader}\r\nauthorization: Bearer ${token}\r\n`;
    head += payload ? `content-type: application/json\r\ncontent-length: ${payload.length}\r\n\r\n` : '\r\n';
    const bytes = payload
      ? Buffer.concat([Buffer.from(head, 'latin1'), payload])
      : Buffer.from(head, 'latin1');
    const conn = await acquire();
    try {
      return await conn.send(bytes, method === 'HEAD');
    } finally {
      release(conn);
    }
  }

  return {
    request,
    close: () => {
      for (const c of all) c.destroy();
    },
  };
}

export type Client = ReturnType<typeof createClient>;

interface Pending {
  resolve(r: { status: number; body: string }): void;
  reject(err: Error): void;
  noBody: boolean;
}

/** One keep-alive connection with at most one request outstanding. */
class Connection {
  closed = false;
  private socket: net.Socket;
  private pending: Pending | null = null;
  private buf: Buffer = Buffer.alloc(0);

  constructor(host: string, port: number, onClose: () => void) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.parse();
    });
    const fail = (err: Error) => {
      this.closed = true;
      onClose();
      const p = this.pending;
      this.pending = null;
      p?.reject(err);
    };
    this.socket.on('error', fail);
    this.socket.on('close', () => fail(new Error('connection closed')));
  }

  send(bytes: Buffer, noBody: boolean): Promise<{ status: number; body: string }> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, noBody };
      this.socket.write(bytes);
    });
  }

  destroy() {
    this.socket.destroy();
  }

  private parse() {
    const p = this.pending;
    if (!p) return;
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return;
    const head = this.buf.toString('latin1', 0, end);
    const status = Number(head.slice(9, 12));
    const lines = head.toLowerCase().split('\r\n');
    let length = -1;
    let chunked = false;
    let close = false;
    for (const l of lines) {
      if (l.startsWith('content-length:')) length = Number(l.slice(15).trim());
      else if (l.startsWith('transfer-encoding:') && l.includes('chunked')) chunked = true;
      else if (l.startsWith('connection:') && l.includes('close')) close = true;
    }
    const start = end + 4;
    let body: Buffer;
    let consumed: number;
    if (p.noBody || status === 204 || status === 304 || (status >= 100 && status < 200)) {
      body = Buffer.alloc(0);
      consumed = start;
    } else if (chunked) {
      const parts: Buffer[] = [];
      let at = start;
      for (;;) {
        const nl = this.buf.indexOf('\r\n', at);
        if (nl < 0) return;
        const size = Number.parseInt(this.buf.toString('latin1', at, nl), 16);
        if (size === 0) {
          // No trailers are sent by the servers measured here: the final CRLF follows.
          if (this.buf.length < nl + 4) return;
          consumed = nl + 4;
          break;
        }
        if (this.buf.length < nl + 2 + size + 2) return;
        parts.push(this.buf.subarray(nl + 2, nl + 2 + size));
        at = nl + 2 + size + 2;
      }
      body = Buffer.concat(parts);
    } else if (length >= 0) {
      if (this.buf.length < start + length) return;
      body = this.buf.subarray(start, start + length);
      consumed = start + length;
    } else {
      p.reject(new Error('response without Content-Length or chunked encoding'));
      this.pending = null;
      this.socket.destroy();
      return;
    }
    const text = body.toString('utf8');
    this.buf = this.buf.length === consumed ? Buffer.alloc(0) : this.buf.subarray(consumed);
    this.pending = null;
    if (close) {
      this.closed = true;
      this.socket.end();
    }
    p.resolve({ status, body: text });
  }
}

export async function getToken(base: string, password: string): Promise<string> {
  const res = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'password', username: 'admin', password }),
  });
  if (!res.ok) throw new Error(`token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}
