export { CATALOG, type CatalogEntry, FINDING_IDS, type FindingId, isFindingId } from "./catalog.js";
export { type FixValues, makeFinding, mergeFindings, renderFix, sortFindings } from "./make.js";
export { describeSource, type Evidence, type EvidenceSource, type Finding, type Severity } from "./types.js";
