import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Debian's Chromium, installed by scripts/ensure-system-deps.sh. */
export const CHROMIUM = "/usr/bin/chromium";

/** Why browser tests cannot run here, or undefined when they can. */
export const chromiumSkipReason: string | undefined = existsSync(CHROMIUM)
  ? undefined
  : `${CHROMIUM} is missing (scripts/ensure-system-deps.sh installs Debian's chromium as root)`;

/**
 * Headless Chromium that talks only to the pages a test opens: no
 * background networking, component updates, sync or QUIC probes, so a test
 * never reaches an address it did not start.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-domain-reliability",
      "--disable-client-side-phishing-detection",
      "--metrics-recording-only",
    ],
  });
}
