// Calls Bedrock's Converse API over plain fetch with a Bedrock API key (no SDK in the image).
import { createServer } from "node:http";

const REGION = process.env.AWS_REGION ?? "us-east-1";
const MODEL = process.env.MODEL_ID ?? "us.anthropic.claude-3-5-haiku-20241022-v1:0";
const BEDROCK = `https://bedrock-runtime.${REGION}.amazonaws.com`;

async function converse(text) {
  const res = await fetch(`${BEDROCK}/model/${encodeURIComponent(MODEL)}/converse`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${process.env.AWS_BEARER_TOKEN_BEDROCK ?? ""}`,
    },
    body: JSON.stringify({ messages: [{ role: "user", content: [{ text }] }] }),
  });
  const doc = await res.json();
  return doc.output?.message?.content?.[0]?.text ?? "";
}

// Warm the model up so the first user does not pay for it; WARMUP=0 skips it in tests.
if (process.env.WARMUP !== "0") {
  const started = Date.now();
  await converse("Reply with OK.");
  console.log(`model warm in ${Date.now() - started} ms`);
}

createServer(async (req, res) => {
  if (req.method === "GET" && req.url === "/ping") {
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify({ status: "Healthy", time_of_last_update: Math.floor(Date.now() / 1000) }));
  }
  if (req.method === "POST" && req.url === "/invocations") {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const summary = await converse(`Summarize: ${JSON.parse(raw || "{}").prompt ?? ""}`);
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify({ summary }));
  }
  res.writeHead(404).end();
}).listen(8080, () => console.log("summarizer listening on 8080"));
