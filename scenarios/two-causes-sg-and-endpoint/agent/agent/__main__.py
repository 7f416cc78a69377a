import json
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

from agent.config import database_url

DSN = database_url()
print("database configured", DSN.split("@")[-1])


class Agent(BaseHTTPRequestHandler):
    def _send(self, code, obj):
        raw = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self):
        if self.path == "/ping":
            self._send(200, {"status": "Healthy", "time_of_last_update": int(time.time())})
        else:
            self._send(404, {})

    def do_POST(self):
        if self.path == "/invocations":
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self._send(200, {"orders": []})
        else:
            self._send(404, {})


HTTPServer(("0.0.0.0", 8080), Agent).serve_forever()
