from agent.server import Handler, ThreadingHTTPServer

ThreadingHTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
