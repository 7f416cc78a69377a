import Fastify from "fastify";

const fastify = Fastify({ logger: true });

fastify.get("/ping", async () => {
  return { status: "Healthy", time_of_last_update: Math.floor(Date.now() / 1000) };
});

fastify.post("/invocations", async (request) => {
  const { prompt = "" } = request.body ?? {};
  return { output: { message: `You asked: ${prompt}` } };
});

const start = async () => {
  try {
    await fastify.listen({ port: 8080 });
  } catch (err) {
    fastify.log.error(err);
    process.exit(1);
  }
};
start();
