/**
 * XML and HTML text, one way for every document the project writes: the
 * emulator's Query, EC2 and REST-XML answers, JUnit XML, the HTML report.
 */

/**
 * Characters XML 1.0 cannot carry, not even escaped: C0 controls but tab, LF
 * and CR; lone surrogates; U+FFFE and U+FFFF.
 */
const NOT_XML_SOURCE =
  "[\\0-\\x08\\x0B\\x0C\\x0E-\\x1F\\uFFFE\\uFFFF]|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]";
const NOT_XML = new RegExp(NOT_XML_SOURCE);
const NOT_XML_ALL = new RegExp(NOT_XML_SOURCE, "g");

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/** The first character of `text` XML cannot carry, or undefined. */
export function notXmlCharacter(text: string): string | undefined {
  return NOT_XML.exec(text)?.[0];
}

/** `text` with each character XML cannot carry written as `\uXXXX`: safe to echo in a message. */
export function showNotXml(text: string): string {
  return text.replace(
    NOT_XML_ALL,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0").toUpperCase()}`,
  );
}

/**
 * Text safe in XML and HTML element content and in quoted attributes: the
 * five specials escaped, and each character XML cannot carry written as
 * U+FFFD, so the document still parses and shows that something stood there.
 * (The emulator refuses such characters where they come in; this is the
 * last guard.)
 */
export function xmlText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!).replace(NOT_XML_ALL, "\uFFFD");
}
