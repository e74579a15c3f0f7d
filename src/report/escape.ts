/**
 * Escaping for the HTML reports. Every string that reaches a report (titles, lessons, node and
 * resource names, trace values) comes from a scenario file or a trace, i.e. from a user; the
 * report must show it as text, never run it. All HTML is built through these helpers.
 */

/** Thrown when a value cannot be placed in a report safely (e.g. a link that is not relative). */
export class ReportInputError extends Error {
  override readonly name = 'ReportInputError';
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML text node or a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

/**
 * Serialises data for a `<script type="application/json">` block: `<`, `>`, `&` and the JS line
 * separators are written as \u escapes, so no string inside (`</script>`, `<!--`) can end the
 * block early. `JSON.parse` of the block's text gives the data back unchanged.
 */
export function jsonForScript(data: unknown): string {
  return JSON.stringify(data)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * A relative link target, checked: no scheme (`javascript:`, `http:`), no protocol-relative or
 * absolute path, no backslashes. Reports link only to sibling files.
 */
export function safeRelativeHref(href: string): string {
  if (href === '' || href.includes(':') || href.startsWith('/') || href.includes('\\') || /[\s"'<>`]/.test(href)) {
    throw new ReportInputError(`report link ${JSON.stringify(href)} is not a plain relative path`);
  }
  return escapeHtml(href);
}

/** Inline markdown on already-escaped text: `code`, **bold**, *em*; links show as text (no URLs in reports). */
function inlineMarkdown(escaped: string): string {
  const parts = escaped.split(/(`[^`]*`)/);
  return parts
    .map((part) => {
      if (part.length >= 2 && part.startsWith('`') && part.endsWith('`')) return `<code>${part.slice(1, -1)}</code>`;
      return part
        .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '$1 ($2)')
        .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
        .replace(/(^|[^*])\*([^*\s][^*]*)\*/g, '$1<em>$2</em>');
    })
    .join('');
}

/**
 * Renders the safe markdown subset of a scenario lesson: paragraphs, `-`/`*`/`1.` lists,
 * fenced code blocks, and inline `code`, **bold**, *em*. The text is escaped first, so the
 * markup added afterwards is the only markup in the result.
 */
export function renderMarkdown(source: string): string {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let paragraph: string[] = [];
  let list: { ordered: boolean; items: string[] } | undefined;
  let code: string[] | undefined;
  const flushParagraph = (): void => {
    if (paragraph.length > 0) out.push(`<p>${inlineMarkdown(escapeHtml(paragraph.join(' ')))}</p>`);
    paragraph = [];
  };
  const flushList = (): void => {
    if (list !== undefined) {
      const tag = list.ordered ? 'ol' : 'ul';
      out.push(`<${tag}>${list.items.map((item) => `<li>${inlineMarkdown(escapeHtml(item))}</li>`).join('')}</${tag}>`);
    }
    list = undefined;
  };
  for (const line of lines) {
    if (code !== undefined) {
      if (/^\s*```/.test(line)) {
        out.push(`<pre><code>${escapeHtml(code.join('\n'))}</code></pre>`);
        code = undefined;
      } else {
        code.push(line);
      }
      continue;
    }
    if (/^\s*```/.test(line)) {
      flushParagraph();
      flushList();
      code = [];
      continue;
    }
    const bullet = /^\s*[-*]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    const item = bullet ?? numbered;
    if (item !== null) {
      flushParagraph();
      const ordered = numbered !== null && bullet === null;
      if (list !== undefined && list.ordered !== ordered) flushList();
      if (list === undefined) list = { ordered, items: [] };
      list.items.push(item[1] ?? '');
      continue;
    }
    if (line.trim() === '') {
      flushParagraph();
      flushList();
      continue;
    }
    if (list !== undefined && /^\s+\S/.test(line)) {
      const lastIndex = list.items.length - 1;
      list.items[lastIndex] = `${list.items[lastIndex] ?? ''} ${line.trim()}`;
      continue;
    }
    flushList();
    paragraph.push(line.trim());
  }
  if (code !== undefined) out.push(`<pre><code>${escapeHtml(code.join('\n'))}</code></pre>`);
  flushParagraph();
  flushList();
  return out.join('\n');
}
