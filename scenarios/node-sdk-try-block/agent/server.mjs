import { createServer } from "node:http";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

let callerArn = "unknown";
try {
  const sts = new STSClient({});
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  callerArn = identity.Arn;
  console.log(`Running as ${callerArn}`);
} catch (err) {
  console.warn(`Could not determine caller identity: ${err.message}`);
}

const server = createServer(async (req, res) => {
  if (req.method === "GET" && req.url === "/ping") {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ status: "Healthy", time_of_last_update: Math.floor(Date.now() / 1000) }));
    return;
  }
  if (req.method === "POST" && req.url === "/invocations") {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const { prompt } = JSON.parse(raw || "{}");
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ response: `(${callerArn}) ${prompt ?? ""}` }));
    return;
  }
  res.writeHead(404).end();
});

server.listen(8080, "0.0.0.0", () => console.log("agent up on 0.0.0.0:8080"));
