import Fastify from "fastify";
import { STSClient, GetCallerIdentityCommand } from "@aws-sdk/client-sts";

const app = Fastify({ logger: { level: "info" } });
const sts = new STSClient({});

// Fail fast at boot if the execution role is not what we expect.
const identity = await sts.send(new GetCallerIdentityCommand({}));
app.log.info({ arn: identity.Arn }, "running with execution role");

app.get("/ping", async () => ({ status: "Healthy", time_of_last_update: Math.floor(Date.now() / 1000) }));

app.post("/invocations", async (req) => {
  const prompt = req.body?.prompt ?? "";
  return { answer: `Ticket noted: ${prompt}`, account: identity.Account };
});

await app.listen({ host: "0.0.0.0", port: 8080 });
