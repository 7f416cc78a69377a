import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ImageRunConfig } from "../executor/oci/runtime-config.js";

/** What an OCI layout's index (or a nested index) lists. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

const INDEX_TYPES = new Set([
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
]);

/** One entry of an image index, as AgentCore's pull would weigh it. */
export interface IndexEntry {
  digest: string;
  /** os/architecture[/variant], or unknown/unknown. */
  platform: string;
  /** A BuildKit attestation manifest (platform unknown/unknown, vnd.docker.reference.type attestation-manifest). */
  attestation: boolean;
}

/** The image as read from its blobs: the one a linux/arm64 pull gets, or the one there is. */
export interface ImageFacts {
  /** The digest of the index the reference names, when it names one. */
  indexDigest?: string;
  index?: IndexEntry[];
  manifestDigest: string;
  configDigest: string;
  /** From the config blob. */
  os: string;
  architecture: string;
  variant?: string;
  layers: number;
  /** Compressed, as the manifest lists them. */
  layerBytes: number;
  config: ImageRunConfig;
  /** Set when the reference names an index without a linux/arm64 entry: what AgentCore's pull would not find. */
  noArm64InIndex?: boolean;
}

export function platformOf(d: Pick<Descriptor, "platform">): string {
  const p = d.platform;
  if (!p?.architecture) return "unknown/unknown";
  return `${p.os ?? "linux"}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}

function readBlob(dir: string, digest: string): Buffer {
  const [alg, hex] = digest.split(":");
  return readFileSync(join(dir, "blobs", alg as string, hex as string));
}

function json<T>(dir: string, digest: string): T {
  return JSON.parse(readBlob(dir, digest).toString("utf8")) as T;
}

const REF_NAME = "org.opencontainers.image.ref.name";

function readIndex(dir: string): { manifests: Descriptor[] } & Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
}

/** The tags an OCI layout holds. */
export function layoutTags(dir: string): string[] {
  return readIndex(dir)
    .manifests.map((m) => m.annotations?.[REF_NAME])
    .filter((t): t is string => !!t);
}

/**
 * Reads the image a tag of an OCI layout names. An index is resolved as a
 * linux/arm64 pull resolves it (AgentCore pulls that platform only); when it
 * has no such entry, the first runnable entry is read so its platform can be
 * named, and `noArm64InIndex` says the pull would find nothing.
 */
export function readLayoutImage(dir: string, tag: string): { facts: ImageFacts; manifest: Descriptor } {
  const top = readIndex(dir).manifests.find((m) => m.annotations?.[REF_NAME] === tag);
  if (!top)
    throw new Error(`the OCI layout ${dir} has no tag ${tag} (it has: ${layoutTags(dir).join(", ")})`);
  let manifest: Descriptor = top;
  let indexFacts: Pick<ImageFacts, "indexDigest" | "index" | "noArm64InIndex"> = {};
  if (INDEX_TYPES.has(top.mediaType)) {
    const nested = json<{ manifests?: Descriptor[] }>(dir, top.digest).manifests ?? [];
    const entries: IndexEntry[] = nested.map((d) => ({
      digest: d.digest,
      platform: platformOf(d),
      attestation:
        d.annotations?.["vnd.docker.reference.type"] === "attestation-manifest" ||
        platformOf(d) === "unknown/unknown",
    }));
    const arm64 = nested.find((d) => d.platform?.os === "linux" && d.platform.architecture === "arm64");
    const runnable = nested.filter((_, i) => !entries[i]?.attestation);
    const chosen = arm64 ?? runnable[0];
    if (!chosen) throw new Error(`the index ${top.digest} lists no runnable image`);
    manifest = chosen;
    indexFacts = { indexDigest: top.digest, index: entries, ...(arm64 ? {} : { noArm64InIndex: true }) };
  }
  const body = json<{ config: Descriptor; layers?: Descriptor[] }>(dir, manifest.digest);
  const config = json<{
    os?: string;
    architecture?: string;
    variant?: string;
    config?: ImageRunConfig;
  }>(dir, body.config.digest);
  const layers = body.layers ?? [];
  return {
    manifest,
    facts: {
      ...indexFacts,
      manifestDigest: manifest.digest,
      configDigest: body.config.digest,
      os: config.os ?? "unknown",
      architecture: config.architecture ?? "unknown",
      ...(config.variant ? { variant: config.variant } : {}),
      layers: layers.length,
      layerBytes: layers.reduce((n, l) => n + (l.size ?? 0), 0),
      config: config.config ?? {},
    },
  };
}

/** Names a manifest of the layout by a tag of its own, so a tool that unpacks tags (umoci) can take it. */
export function tagManifest(dir: string, manifest: Descriptor, tag: string): void {
  const index = readIndex(dir);
  index.manifests = [
    ...index.manifests.filter((m) => m.annotations?.[REF_NAME] !== tag),
    {
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.size,
      annotations: { [REF_NAME]: tag },
    },
  ];
  writeFileSync(join(dir, "index.json"), JSON.stringify(index));
}
