import http from "node:http";
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";

const sts = new STSClient({ region: process.env.AWS_REGION });
const { Account: accountId } = await sts.send(new GetCallerIdentityCommand({}));
console.log(`[boot] account=${accountId}`);

http
  .createServer((req, res) => {
    if (req.url === "/ping") {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ status: "Healthy", time_of_last_update: Math.floor(Date.now() / 1000) }));
    }
    if (req.url === "/invocations" && req.method === "POST") {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ accountId, echo: JSON.parse(body || "{}") }));
      });
      return;
    }
    res.writeHead(404);
    res.end();
  })
  .listen(8080, () => console.log("[boot] http://0.0.0.0:8080"));
