import time

from flask import Flask, jsonify, request

app = Flask(__name__)
STARTED = int(time.time())


@app.get("/ping")
def ping():
    return jsonify(status="Healthy", time_of_last_update=STARTED)


@app.post("/invocations")
def invocations():
    data = request.get_json(silent=True) or {}
    prompt = data.get("prompt", "")
    return jsonify(result=f"Hello from Flask! You said: {prompt}")


if __name__ == "__main__":
    app.run(port=8080)
