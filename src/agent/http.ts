import { request } from "node:http";

export interface HttpExchange {
  request: string;
  status?: number;
  headers: Record<string, string>;
  body: string;
  latencyMs: number;
  /** Time to the response head, for streaming answers. */
  firstByteMs?: number;
  /** Set when no complete HTTP answer came back: "ECONNREFUSED", "timeout after 5000 ms", ... */
  error?: string;
}

export interface HttpRequest {
  host: string;
  port: number;
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Stop reading after this many bytes: a probe needs the start of an answer, not all of it. */
  maxBodyBytes?: number;
}

/** One HTTP/1.1 exchange on a fresh connection, never throwing: failures are facts for the probe. */
export function exchange(req: HttpRequest): Promise<HttpExchange> {
  const started = performance.now();
  const label = `${req.method} http://${req.host.includes(":") ? `[${req.host}]` : req.host}:${req.port}${req.path}`;
  const maxBody = req.maxBodyBytes ?? 256 * 1024;
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: Omit<HttpExchange, "request" | "latencyMs">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ request: label, latencyMs: Math.round(performance.now() - started), ...result });
    };
    const outgoing = request({
      host: req.host,
      port: req.port,
      method: req.method,
      path: req.path,
      agent: false,
      headers: {
        connection: "close",
        ...(req.body !== undefined ? { "content-length": String(Buffer.byteLength(req.body)) } : {}),
        ...req.headers,
      },
    });
    const timer = setTimeout(() => {
      outgoing.destroy();
      done({ headers: {}, body: "", error: `timeout after ${req.timeoutMs} ms` });
    }, req.timeoutMs);
    outgoing.on("error", (error: NodeJS.ErrnoException) =>
      done({ headers: {}, body: "", error: error.code ?? error.message }),
    );
    outgoing.on("response", (response) => {
      const firstByteMs = Math.round(performance.now() - started);
      const chunks: Buffer[] = [];
      let size = 0;
      const headers = Object.fromEntries(
        Object.entries(response.headers).map(([name, value]) => [
          name,
          Array.isArray(value) ? value.join(", ") : (value ?? ""),
        ]),
      );
      const finish = () =>
        done({
          status: response.statusCode,
          headers,
          body: Buffer.concat(chunks).toString("utf8"),
          firstByteMs,
        });
      response.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= maxBody) {
          finish();
          outgoing.destroy();
        }
      });
      response.on("end", finish);
      response.on("error", finish);
    });
    outgoing.end(req.body);
  });
}
