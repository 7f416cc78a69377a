"""A dependency-free agent endpoint on asyncio streams (after the asyncio docs' TCP echo server)."""
import asyncio
import json
import logging
import os
import time

logging.basicConfig(level=logging.INFO)
log = logging.getLogger("agent")

LISTEN_HOST = os.environ.get("LISTEN_HOST", "127.0.0.1")
LISTEN_PORT = int(os.environ.get("LISTEN_PORT", "8080"))
STARTED = int(time.time())


async def respond(writer, status, payload):
    body = json.dumps(payload).encode()
    reason = {200: "OK", 404: "Not Found"}.get(status, "Error")
    writer.write(
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body
    )
    await writer.drain()
    writer.close()


async def handle(reader, writer):
    head = await reader.readuntil(b"\r\n\r\n")
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, path, _ = request_line.split(" ", 2)
    headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in header_lines if ":" in h)}
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    if method == "GET" and path == "/ping":
        await respond(writer, 200, {"status": "Healthy", "time_of_last_update": STARTED})
    elif method == "POST" and path == "/invocations":
        prompt = json.loads(body or b"{}").get("prompt", "")
        await respond(writer, 200, {"result": prompt[::-1]})
    else:
        await respond(writer, 404, {"error": "not found"})


async def main():
    server = await asyncio.start_server(handle, LISTEN_HOST, LISTEN_PORT)
    addrs = ", ".join(str(sock.getsockname()) for sock in server.sockets)
    log.info(f"Serving on {addrs}")
    async with server:
        await server.serve_forever()


asyncio.run(main())
