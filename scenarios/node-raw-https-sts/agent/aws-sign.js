// Tiny SigV4 signer so the image does not need the whole AWS SDK.
const crypto = require("crypto");

const hmac = (key, data) => crypto.createHmac("sha256", key).update(data).digest();
const sha256 = (data) => crypto.createHash("sha256").update(data).digest("hex");

function sign({ method, host, path, service, region, body, headers = {} }) {
  const now = new Date().toISOString().replace(/[:-]|\.\d{3}/g, "");
  const date = now.slice(0, 8);
  const all = { ...headers, host, "x-amz-date": now };
  if (process.env.AWS_SESSION_TOKEN) all["x-amz-security-token"] = process.env.AWS_SESSION_TOKEN;
  const names = Object.keys(all).map((h) => h.toLowerCase()).sort();
  const canonicalHeaders = names.map((h) => `${h}:${all[h]}\n`).join("");
  const signedHeaders = names.join(";");
  const canonical = [method, path, "", canonicalHeaders, signedHeaders, sha256(body)].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", now, scope, sha256(canonical)].join("\n");
  let key = hmac(`AWS4${process.env.AWS_SECRET_ACCESS_KEY}`, date);
  for (const part of [region, service, "aws4_request"]) key = hmac(key, part);
  const signature = crypto.createHmac("sha256", key).update(toSign).digest("hex");
  all.authorization = `AWS4-HMAC-SHA256 Credential=${process.env.AWS_ACCESS_KEY_ID}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return all;
}

module.exports = { sign };
