import json
import logging

from strands import Agent
from strands.models import BedrockModel

from tools import weather

logging.basicConfig(level=logging.INFO)
agent = Agent(model=BedrockModel(model_id="us.amazon.nova-lite-v1:0"), tools=[weather])

if __name__ == "__main__":
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/ping" else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"status": "Healthy"}')

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            answer = agent(body.get("prompt", ""))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"result": str(answer)}).encode())

    ThreadingHTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
