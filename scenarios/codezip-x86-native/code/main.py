import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pydantic_core import SchemaValidator

ORDER = SchemaValidator({"type": "typed-dict", "fields": {"item": {"type": "typed-dict-field", "schema": {"type": "str"}}}})


class Handler(BaseHTTPRequestHandler):
    def _send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._send(200, {"status": "Healthy"}) if self.path == "/ping" else self._send(404, {})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self._send(200, {"order": ORDER.validate_json(body or b"{}")})


ThreadingHTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
