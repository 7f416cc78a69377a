const http = require("http");

const HOST = process.env.HOST || "localhost";
const PORT = process.env.PORT || 8080;

function sendJson(res, status, body) {
  const data = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) });
  res.end(data);
}

const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url === "/ping") {
    return sendJson(res, 200, { status: "Healthy", time_of_last_update: Math.floor(Date.now() / 1000) });
  }
  if (req.method === "POST" && req.url === "/invocations") {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      let prompt = "";
      try {
        prompt = JSON.parse(body || "{}").prompt || "";
      } catch (e) {
        return sendJson(res, 400, { error: "invalid json" });
      }
      sendJson(res, 200, { result: `Echo: ${prompt}` });
    });
    return;
  }
  sendJson(res, 404, { error: "not found" });
});

server.listen(PORT, HOST, () => {
  console.log(`Server running at http://${HOST}:${PORT}/`);
});

process.on("SIGTERM", () => server.close(() => process.exit(0)));
