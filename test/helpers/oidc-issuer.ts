/** The scenario runner's local OIDC issuer, shared with the emulator tests. */
export { type OidcIssuer, startOidcIssuer } from "../../src/scenario/oidc-issuer.js";
