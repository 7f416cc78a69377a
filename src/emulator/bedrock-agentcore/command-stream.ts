import { PassThrough, type Readable } from "node:stream";
import { EventStreamCodec } from "@smithy/core/event-streams";

/**
 * InvokeAgentRuntimeCommand's answer: an AWS event stream (application/vnd.amazon.eventstream)
 * of `chunk` events, each a ResponseChunk: contentStart, then contentDelta with stdout or stderr
 * text as the command prints it, then contentStop with the exit code and COMPLETED or TIMED_OUT
 * (shapes from the botocore model's InvokeAgentRuntimeCommandStreamOutput).
 */
const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes).toString("utf8"),
  (text) => new Uint8Array(Buffer.from(text, "utf8")),
);

export const EVENT_STREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream";

export type ResponseChunk =
  | { contentStart: Record<string, never> }
  | { contentDelta: { stdout?: string; stderr?: string } }
  | { contentStop: { exitCode: number; status: "COMPLETED" | "TIMED_OUT" } };

function frame(chunk: ResponseChunk): Uint8Array {
  return codec.encode({
    headers: {
      ":event-type": { type: "string", value: "chunk" },
      ":message-type": { type: "string", value: "event" },
      ":content-type": { type: "string", value: "application/json" },
    },
    body: new Uint8Array(Buffer.from(JSON.stringify(chunk), "utf8")),
  });
}

/** A writable view of the event stream: push chunks as they happen, end once. */
export function commandStream(): { stream: Readable; push: (chunk: ResponseChunk) => void; end: () => void } {
  const stream = new PassThrough();
  return {
    stream,
    push: (chunk) => {
      if (!stream.writableEnded) stream.write(frame(chunk));
    },
    end: () => {
      if (!stream.writableEnded) stream.end();
    },
  };
}
