// Ported from the team's Go service: same env vars, same log format (log/slog's text handler).
const http = require("node:http");

function log(level, msg, attrs = {}) {
  const kv = Object.entries(attrs)
    .map(([k, v]) => `${k}=${/\s/.test(String(v)) ? JSON.stringify(String(v)) : v}`)
    .join(" ");
  process.stdout.write(`time=${new Date().toISOString()} level=${level} msg=${JSON.stringify(msg)} ${kv}\n`);
}

const addr = process.env.LISTEN_ADDR || ":8080";
const [host, port] = [addr.slice(0, addr.lastIndexOf(":")) || undefined, Number(addr.slice(addr.lastIndexOf(":") + 1))];

const server = http.createServer((req, res) => {
  const start = Date.now();
  let status = 404;
  let body = { error: "not found" };
  if (req.method === "GET" && req.url === "/ping") {
    status = 200;
    body = { status: "Healthy", time_of_last_update: Math.floor(Date.now() / 1000) };
  } else if (req.method === "POST" && req.url === "/invocations") {
    status = 200;
    body = { output: "ok" };
  }
  req.resume();
  req.on("end", () => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
    log("INFO", "request", { method: req.method, path: req.url, status, dur: `${Date.now() - start}ms` });
  });
});

server.listen(port, host, () => log("INFO", "http server started", { addr }));
