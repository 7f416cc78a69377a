/**
 * How a path picture (src/net/path-picture.ts) looks in HTML: a row of hops
 * (`.hops`, each `.hop .hop-<state>`, `.arrow` between them). One stylesheet
 * for every page that draws one: the diagnose HTML report and the emulator
 * console, so a broken hop looks the same in both.
 */
export const PATH_ROW_CSS = `
.hops { display: flex; gap: .3rem; align-items: center; flex-wrap: wrap; margin: .3rem 0; }
.hop { border: 1px solid #8c959f; border-radius: 4px; padding: .1rem .4rem; font-size: 13px; }
.hop-ok { background: #dafbe1; } .hop-broken { background: #ffebe9; border-color: #cf222e; border-width: 2px; font-weight: bold; }
.hop-unreached { background: #f6f8fa; color: #8c959f; border-style: dashed; } .hop-unknown { background: #fff8c5; }
.arrow { color: #57606a; }
`;
