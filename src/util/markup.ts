/**
 * Text for XML and HTML documents the tool writes (JUnit XML, the HTML
 * report): characters XML 1.0 cannot carry are dropped, the five specials
 * escaped, so the text is safe in element content and in quoted attributes.
 */
export function xmlText(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}
