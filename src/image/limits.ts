import { type Evidence, type EvidenceSource, type Finding, makeFinding } from "../findings/index.js";
import type { EntryBinary } from "./entry-binary.js";
import type { ImageFacts } from "./layout.js";

/**
 * More layers than this with a non-numeric USER fail to mount in AgentCore
 * ("Failed to mount overlay: No such file or directory"; AgentCore's
 * troubleshooting page says "more than about 53").
 */
export const MAX_LAYERS_WITH_NAMED_USER = 53;

const platformText = (f: Pick<ImageFacts, "os" | "architecture" | "variant">) =>
  `${f.os}/${f.architecture}${f.variant ? `/${f.variant}` : ""}`;

/** Where image facts come from: the image's own blobs, named by digest, as read through `via`. */
export function imageSource(part: string, digest: string, via: string): EvidenceSource {
  return { kind: "tool", detail: `${via}: ${part} ${digest}` };
}

/**
 * The limits AgentCore enforces on an image, judged from its index,
 * manifest and config, and the architecture its entry program was built
 * for: IMAGE_NOT_ARM64 (the index has no linux/arm64 entry, the config
 * names another architecture, or the entry program's ELF header does),
 * IMAGE_LAYERS_WITH_NAMED_USER, IMAGE_INDEX_ATTESTATION.
 */
export function imageLimitFindings(facts: ImageFacts, via: string, entry?: EntryBinary): Finding[] {
  const findings: Finding[] = [];
  const indexSource = facts.indexDigest ? imageSource("image index", facts.indexDigest, via) : undefined;
  const configSource = imageSource("image config", facts.configDigest, via);
  const notArm64: Evidence[] = [];
  if (facts.noArm64InIndex && indexSource) {
    const listed = (facts.index ?? []).filter((e) => !e.attestation).map((e) => e.platform);
    notArm64.push({
      fact: `the image index lists ${listed.join(", ") || "no runnable platform"} and no linux/arm64 entry: a linux/arm64 pull, as AgentCore makes, finds no image`,
      source: indexSource,
    });
  }
  if (facts.architecture !== "arm64" || facts.os !== "linux") {
    notArm64.push({
      fact: `the image config says ${platformText(facts)}`,
      source: configSource,
    });
  }
  if (entry?.architecture && entry.architecture !== "arm64") {
    notArm64.push({
      fact: `the entry program ${entry.path} is an ELF for ${entry.architecture}${entry.chain.length ? ` (${entry.chain.join(", ")})` : ""}: an arm64 host refuses it with 'exec format error'`,
      source: imageSource("unpacked layers of", facts.manifestDigest, via),
    });
  }
  if (notArm64.length > 0) {
    findings.push(
      makeFinding("IMAGE_NOT_ARM64", notArm64, {
        platform:
          entry?.architecture && entry.architecture !== facts.architecture
            ? `${platformText(facts)}, entry program ${entry.architecture}`
            : platformText(facts),
      }),
    );
  }
  const user = facts.config.User?.split(":")[0] ?? "";
  if (user !== "" && !/^\d+$/.test(user) && facts.layers > MAX_LAYERS_WITH_NAMED_USER) {
    findings.push(
      makeFinding(
        "IMAGE_LAYERS_WITH_NAMED_USER",
        [
          {
            fact: `the manifest lists ${facts.layers} layers (AgentCore fails to mount more than about ${MAX_LAYERS_WITH_NAMED_USER} with a named USER)`,
            source: imageSource("image manifest", facts.manifestDigest, via),
          },
          { fact: `the image config's USER is ${facts.config.User}, a name`, source: configSource },
        ],
        { user, uid: "<uid>", layers: facts.layers },
      ),
    );
  }
  const attestations = (facts.index ?? []).filter((e) => e.attestation);
  if (attestations.length > 0 && indexSource) {
    findings.push(
      makeFinding(
        "IMAGE_INDEX_ATTESTATION",
        attestations.map((a) => ({
          fact: `the index lists ${a.digest} for platform ${a.platform} (an attestation manifest)`,
          source: indexSource,
        })),
        { entries: attestations.map((a) => a.digest.slice(0, 19)).join(", ") },
      ),
    );
  }
  return findings;
}
