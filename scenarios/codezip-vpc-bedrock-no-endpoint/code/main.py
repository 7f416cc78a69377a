"""Checks at start-up that Bedrock answers before serving, with the standard library only."""

import json
import os
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REGION = os.environ.get("AWS_REGION", "us-east-1")
BEDROCK = f"https://bedrock-runtime.{REGION}.amazonaws.com/"

# Warm-up: fail fast at start-up if Bedrock is unreachable, rather than on the first request.
try:
    urllib.request.urlopen(BEDROCK, timeout=60)
except urllib.error.HTTPError:
    pass  # any HTTP answer means the endpoint is reachable

STARTED = int(time.time())


class Handler(BaseHTTPRequestHandler):
    def _send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/ping":
            self._send(200, {"status": "Healthy", "time_of_last_update": STARTED})
        else:
            self._send(404, {})

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._send(200, {"result": "ok"})


ThreadingHTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
