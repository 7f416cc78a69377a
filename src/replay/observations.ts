import type { Finding } from "../findings/index.js";

/**
 * What a replay saw while the agent ran in a twin of its deployed network:
 * the contract between the replay (which records) and `diagnose`/`check`
 * (which conclude). Every entry is something observed, never inferred; the
 * rules that read it may explain an observation (which rule dropped a SYN),
 * but only from state they were also given.
 */
export type ReplayObservation =
  | { kind: "listening"; address: string; port: number; at: number }
  | {
      kind: "dns";
      name: string;
      type: string;
      /** The resolver asked (the VPC's base+2 in VPC mode). */
      resolver: string;
      outcome: "answered" | "nxdomain" | "refused" | "servfail" | "no-answer";
      answers: string[];
      at: number;
    }
  | {
      kind: "connection";
      address: string;
      port: number;
      /** The name the agent resolved to this address, when a DNS observation links them. */
      name?: string;
      outcome: "answered" | "refused" | "dropped" | "reset" | "pending";
      /** Where a dropped or refused connection died, as the fabric's counters or judge saw it. */
      droppedBy?: {
        hop: "security-group-egress" | "route-table" | "endpoint-security-group" | "resolver" | "other";
        detail: string;
      };
      at: number;
    }
  | { kind: "tls"; serverName: string; address: string; at: number }
  | { kind: "ping"; status: number | null; body?: string; latencyMs?: number; error?: string; at: number }
  | {
      kind: "invocation";
      status: number | null;
      contentType?: string;
      bodyExcerpt?: string;
      error?: string;
      at: number;
    }
  | { kind: "exit"; code: number | null; signal: string | null; at: number }
  /**
   * An AWS call the agent made that the twin answered with an error. The twin
   * holds none of the account's data (secrets, parameters, objects), so such a
   * refusal says what the replay could not stand for, not what the deployment does.
   */
  | { kind: "aws-call-failed"; service: string; operation: string; errorCode: string; at: number }
  | { kind: "output"; stream: "stdout" | "stderr"; text: string; at: number };

/** The replay collector's result: what ran, where, what it lacked, and what was seen. */
export type ReplayResult =
  | {
      ran: true;
      /** The artifact replayed: a source directory, an image reference, a code zip. */
      artifact: string;
      /** "twin" rebuilds the runtime's VPC; "public" gives the stand-in internet, as PUBLIC mode does. */
      network: "twin" | "public";
      /** Set when the artifact ran under emulation (e.g. linux/arm64 through qemu on x86_64). */
      emulated?: string;
      /** Environment variable names the runtime sets whose values the replay did not have (--env gives them). */
      envLacked: string[];
      /** How the wait for the agent's health check ended, and when (it ends on what is seen, not only on a limit). */
      startupWait?: string;
      startedAt: number;
      endedAt: number;
      observations: ReplayObservation[];
    }
  | { ran: false; reason: string };

/**
 * An agent replayed in the network of a deployed runtime (`check DIR --network-of`):
 * made by diagnose's read-only collection (src/diagnose/network-of.ts), merged
 * into a check report by check, composed by the CLI so neither command imports the other.
 */
export interface NetworkOfResult {
  runtimeArn: string;
  networkMode: string;
  replay: ReplayResult;
  /** Findings resting on the replay's observations. */
  findings: Finding[];
  /** What could not be read or replayed, and why. */
  gaps: { errorCode: string; message: string }[];
}
