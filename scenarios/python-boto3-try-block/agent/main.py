import json
import logging
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
logger = logging.getLogger("faq-agent")

# Load the system prompt from Parameter Store; fall back to a default one.
SYSTEM_PROMPT = "You are a helpful FAQ assistant."
try:
    ssm = boto3.client("ssm")
    SYSTEM_PROMPT = ssm.get_parameter(Name=os.environ.get("PROMPT_PARAM", "/faq-agent/system-prompt"))["Parameter"]["Value"]
    logger.info("loaded system prompt from SSM")
except Exception:
    logger.exception("could not load the system prompt, using the default")


class Handler(BaseHTTPRequestHandler):
    def _send(self, status, payload):
        data = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/ping":
            self._send(200, {"status": "Healthy"})
        else:
            self._send(404, {"message": "Not Found"})

    def do_POST(self):
        if self.path == "/invocations":
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            question = json.loads(body or b"{}").get("prompt", "")
            self._send(200, {"answer": f"[{SYSTEM_PROMPT[:20]}...] {question}"})
        else:
            self._send(404, {"message": "Not Found"})

    def log_message(self, fmt, *args):
        logger.info("%s - %s", self.address_string(), fmt % args)


if __name__ == "__main__":
    httpd = ThreadingHTTPServer(("0.0.0.0", 8080), Handler)
    logger.info("Listening on 0.0.0.0:8080")
    httpd.serve_forever()
