"""Ticket triage agent for Amazon Bedrock AgentCore Runtime.

Reads a support ticket ({"prompt": "..."}), picks a queue and a priority, and
drafts a first reply. Send {"prompt": "...", "stream": true} with
Accept: text/event-stream to get the reply as server-sent events.
"""

from bedrock_agentcore.runtime import BedrockAgentCoreApp

app = BedrockAgentCoreApp()

QUEUES = {
    "billing": ("invoice", "refund", "charge", "payment", "card"),
    "access": ("password", "login", "locked", "mfa", "sign in"),
    "outage": ("down", "error 500", "unavailable", "timeout", "not loading"),
}
URGENT = ("urgent", "asap", "production", "all users", "outage")


def triage(ticket: str) -> dict:
    text = ticket.lower()
    queue = next((name for name, words in QUEUES.items() if any(w in text for w in words)), "general")
    priority = "P1" if any(w in text for w in URGENT) or queue == "outage" else "P3"
    reply = f"Thanks for reaching out. Your ticket is with our {queue} team ({priority})."
    return {"queue": queue, "priority": priority, "reply": reply}


def stream_reply(result: dict):
    yield {"queue": result["queue"], "priority": result["priority"]}
    for word in result["reply"].split(" "):
        yield {"delta": word + " "}


@app.entrypoint
def invoke(payload, context):
    result = triage(str(payload.get("prompt", "")))
    app.logger.info("triaged ticket into %s/%s", result["queue"], result["priority"])
    if payload.get("stream"):
        return stream_reply(result)
    return {**result, "sessionId": context.session_id}


if __name__ == "__main__":
    app.run()
