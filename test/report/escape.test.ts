import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml, jsonForScript, renderMarkdown, ReportInputError, safeRelativeHref } from '../../src/report/escape.js';

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<script>alert("x") & 'y'</script>`)).toBe('&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;');
  });

  it('never lets a tag or attribute break out (property)', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const out = escapeHtml(text);
        expect(out).not.toMatch(/[<>"']/);
        // Unescaping gives the text back.
        const back = out.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
        expect(back).toBe(text);
      }),
    );
  });
});

describe('jsonForScript', () => {
  it('keeps </script> and <!-- from ending the data block', () => {
    const out = jsonForScript({ v: '</script><script>alert(1)</script><!--', s: '\u2028' });
    expect(out).not.toContain('<');
    expect(out).not.toContain('>');
    expect(out).toContain('\\u003c/script\\u003e');
    expect(out).toContain('\\u2028');
  });

  it('round-trips any JSON value and contains no < > & (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const out = jsonForScript(value);
        expect(out).not.toMatch(/[<>&]/);
        expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});

describe('safeRelativeHref', () => {
  it('accepts sibling file names and rejects schemes, absolute paths and quotes', () => {
    expect(safeRelativeHref('gc-pause-unfenced-seed-7.html')).toBe('gc-pause-unfenced-seed-7.html');
    expect(safeRelativeHref('runs/a-seed-1.html')).toBe('runs/a-seed-1.html');
    for (const bad of ['javascript:alert(1)', 'https://example.com/x', '//evil/x', '/etc/passwd', 'a"b.html', 'a b.html', 'a\\b', '']) {
      expect(() => safeRelativeHref(bad)).toThrow(ReportInputError);
    }
  });
});

describe('renderMarkdown', () => {
  it('renders paragraphs, lists, code and emphasis', () => {
    const html = renderMarkdown('A **bold** and *em* `code` line\ncontinued.\n\n- one\n- two `x`\n\n1. first\n2. second\n\n```\nlet a = 1 < 2;\n```');
    expect(html).toBe(
      [
        '<p>A <strong>bold</strong> and <em>em</em> <code>code</code> line continued.</p>',
        '<ul><li>one</li><li>two <code>x</code></li></ul>',
        '<ol><li>first</li><li>second</li></ol>',
        '<pre><code>let a = 1 &lt; 2;</code></pre>',
      ].join('\n'),
    );
  });

  it('shows markup and links as text', () => {
    const html = renderMarkdown('<script>alert(1)</script> see [the post](https://example.com/p) <img src=x onerror=alert(2)>');
    expect(html).toBe('<p>&lt;script&gt;alert(1)&lt;/script&gt; see the post (https://example.com/p) &lt;img src=x onerror=alert(2)&gt;</p>');
    expect(html).not.toContain('<a');
  });
});
