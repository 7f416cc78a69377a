const https = require("https");
const http = require("http");
const { sign } = require("./aws-sign");

const region = process.env.AWS_REGION || "us-east-1";

// Who are we? Used to tag every answer with the account it came from.
function whoAmI() {
  const host = `sts.${region}.amazonaws.com`;
  const body = "Action=GetCallerIdentity&Version=2011-06-15";
  const headers = sign({
    method: "POST",
    host,
    path: "/",
    service: "sts",
    region,
    body,
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  return new Promise((resolve, reject) => {
    const req = https.request({ host, path: "/", method: "POST", headers }, (res) => {
      let xml = "";
      res.on("data", (d) => (xml += d));
      res.on("end", () => resolve((xml.match(/<Account>(\d+)<\/Account>/) || [])[1]));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function main() {
  const account = await whoAmI().catch((err) => {
    console.error("identity lookup failed:", err.message);
    return "unknown";
  });
  console.log(`account ${account}`);

  http
    .createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      if (req.url === "/ping") {
        res.end(JSON.stringify({ status: "Healthy", time_of_last_update: Math.floor(Date.now() / 1000) }));
      } else if (req.url === "/invocations" && req.method === "POST") {
        req.resume();
        req.on("end", () => res.end(JSON.stringify({ account, text: "ok" })));
      } else {
        res.statusCode = 404;
        res.end("{}");
      }
    })
    .listen(8080, "0.0.0.0", () => console.log("ready on :8080"));
}

main();
