"""Support agent: answers from the knowledge base of the tenant the caller names in X-Tenant-Id."""

import logging
import time
from typing import Optional

import uvicorn
from fastapi import FastAPI, Header, Request

logging.basicConfig(level=logging.INFO)
log = logging.getLogger("support-agent")

KNOWLEDGE_BASES = {"acme": "kb-acme-7f3a", "globex": "kb-globex-19c2"}
DEFAULT_KB = "kb-shared-public"

app = FastAPI()


@app.get("/ping")
def ping():
    return {"status": "Healthy", "time_of_last_update": int(time.time())}


@app.post("/invocations")
async def invocations(request: Request, x_tenant_id: Optional[str] = Header(default=None)):
    payload = await request.json()
    kb = KNOWLEDGE_BASES.get(x_tenant_id or "", DEFAULT_KB)
    if x_tenant_id is None:
        log.warning("no tenant header on this request: answering from %s", kb)
    return {"answer": f"(from {kb}) {payload.get('prompt', '')}", "tenant": x_tenant_id}


if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=8080)
