"""Python stand-in for our Go (Gin) agent while the Go build is fixed; keeps Gin's log lines so dashboards still parse."""
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ADDR = os.environ.get("ADDR", ":9000")
host, _, port = ADDR.rpartition(":")


class H(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stdout.write(
            "[GIN] %s | %3s | %s | %-7s %s\n"
            % (time.strftime("%Y/%m/%d - %H:%M:%S"), args[1], self.client_address[0], self.command, self.path)
        )
        sys.stdout.flush()

    def reply(self, code, doc):
        b = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def do_GET(self):
        if self.path == "/ping":
            self.reply(200, {"status": "Healthy", "time_of_last_update": int(time.time())})
        else:
            self.reply(404, {"message": "404 page not found"})

    def do_POST(self):
        if self.path == "/invocations":
            n = int(self.headers.get("Content-Length") or 0)
            self.reply(200, {"echo": json.loads(self.rfile.read(n) or b"{}")})
        else:
            self.reply(404, {"message": "404 page not found"})


print(f"[GIN-debug] Listening and serving HTTP on {ADDR}", flush=True)
ThreadingHTTPServer((host, int(port)), H).serve_forever()
