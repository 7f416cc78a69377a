#!/usr/bin/env python3
"""Minimal agent endpoint on the standard library, adapted from the http.server docs."""
import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

START = int(time.time())


class Handler(BaseHTTPRequestHandler):
    def _json(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/ping":
            self._json(200, {"status": "Healthy", "time_of_last_update": START})
        else:
            self._json(404, {"error": "not found"})

    def do_POST(self):
        if self.path != "/invocations":
            self._json(404, {"error": "not found"})
            return
        length = int(self.headers.get("Content-Length", 0))
        payload = json.loads(self.rfile.read(length) or b"{}")
        self._json(200, {"answer": "echo: " + str(payload.get("prompt", ""))})


def run(server_class=ThreadingHTTPServer, handler_class=Handler, port=8000):
    server_address = ("", port)
    httpd = server_class(server_address, handler_class)
    print(f"Serving HTTP on 0.0.0.0 port {port} (http://0.0.0.0:{port}/) ...", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    httpd.server_close()


if __name__ == "__main__":
    run()
