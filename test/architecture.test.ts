/**
 * src/schema/ speaks only in domain terms: no CT route and no CT (snake_case) field name in any of its
 * modules, so a change to CT's API is made in src/ct/resources/ and nowhere else. Reads the sources as
 * text with a small tokenizer (tsc has no JavaScript API in TypeScript 7): comments are prose and
 * not checked; code and string literals are. Descriptions may name CT's routes for people (they do
 * not start with one), but no string may be a route.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SCHEMA = join(ROOT, 'src', 'schema');

interface Token {
  kind: 'code' | 'string';
  text: string;
  line: number;
}

/** Code and string literals of a TypeScript source, comments dropped; a template's `${...}` parts are code, and `${}` in its text. */
function tokens(source: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let code = '';
  let codeLine = 1;
  // Template literals being read, innermost last, each with the brace depth of its open `${`.
  const templates: Array<{ text: string; line: number; depth: number }> = [];
  let depth = 0;
  const flush = (): void => {
    if (code.trim()) out.push({ kind: 'code', text: code, line: codeLine });
    code = '';
    codeLine = line;
  };
  const regexCanStart = (): boolean => {
    const before = code.trimEnd();
    return before === '' || /[(,=:[!&|?{};+\-*%<>~^]$/.test(before) || /\b(?:return|typeof|case|in|of)$/.test(before);
  };
  const readTemplateText = (): void => {
    const template = templates[templates.length - 1]!;
    while (i < source.length) {
      const ch = source[i]!;
      if (ch === '\\') {
        template.text += source.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (ch === '`') {
        i++;
        templates.pop();
        out.push({ kind: 'string', text: template.text, line: template.line });
        return;
      }
      if (ch === '$' && source[i + 1] === '{') {
        i += 2;
        template.text += '${}';
        template.depth = depth;
        depth++;
        return;
      }
      if (ch === '\n') line++;
      template.text += ch;
      i++;
    }
  };
  while (i < source.length) {
    const ch = source[i]!;
    const next = source[i + 1];
    if (ch === '\n') line++;
    if (ch === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
      continue;
    }
    if (ch === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? source.length : end + 2;
      line += (source.slice(i, stop).match(/\n/g) ?? []).length;
      i = stop;
      continue;
    }
    if (ch === "'" || ch === '"') {
      flush();
      let text = '';
      i++;
      while (i < source.length && source[i] !== ch) {
        if (source[i] === '\\') text += source[++i] ?? '';
        else text += source[i];
        i++;
      }
      i++;
      out.push({ kind: 'string', text, line });
      continue;
    }
    if (ch === '`') {
      flush();
      i++;
      templates.push({ text: '', line, depth: -1 });
      readTemplateText();
      continue;
    }
    if (ch === '/' && regexCanStart()) {
      // A regex literal: skipped whole (its text is a pattern, not a name or a route).
      let inClass = false;
      i++;
      while (i < source.length && (source[i] !== '/' || inClass)) {
        if (source[i] === '\\') i++;
        else if (source[i] === '[') inClass = true;
        else if (source[i] === ']') inClass = false;
        i++;
      }
      i++;
      while (/[a-z]/.test(source[i] ?? '')) i++;
      code += ' /regex/ ';
      continue;
    }
    if (ch === '{') depth++;
    if (ch === '}') {
      depth--;
      const template = templates[templates.length - 1];
      if (template && template.depth === depth) {
        i++;
        flush();
        readTemplateText();
        continue;
      }
    }
    code += ch;
    i++;
  }
  flush();
  return out;
}

/** A string that is a CT route: starts with `/name` (after any interpolation), or names a `.json` resource. */
const CT_ROUTE = /^(?:\$\{\})?\/[a-z]|\.json\b/;
/** snake_case: CT's field names (`location_id`, `unique_id`); our own names are camelCase. */
const SNAKE_CASE = /\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/g;

/** Every CT route and snake_case name in one source, as `line: what`. */
function offences(source: string): string[] {
  const found: string[] = [];
  for (const token of tokens(source)) {
    if (token.kind === 'string') {
      if (CT_ROUTE.test(token.text)) found.push(`${token.line}: CT route ${JSON.stringify(token.text)}`);
      if (/^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$/.test(token.text)) found.push(`${token.line}: CT field name ${JSON.stringify(token.text)}`);
    } else {
      const lines = token.text.split('\n');
      lines.forEach((text, n) => {
        for (const m of text.matchAll(SNAKE_CASE)) found.push(`${token.line + n}: CT field name ${m[0]}`);
      });
    }
  }
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('src/schema/ speaks in domain terms', () => {
  it('finds CT routes and CT field names where they hide (the check has teeth)', () => {
    const sample = [
      '// GET /locations/{slug} and location_id in a comment are prose',
      "const a = ct.send('POST', '/boxes', { location_id: slug, box });",
      'const b = `${base}/vouchers`;',
      'const c = loaders.get("/me.json");',
      "const d = box['location_slug'] ?? `${x.unique_id}`;",
      "const e = { description: 'Add a box (POST /boxes): the `unique_id` of a location' };",
      'const f = /^\\/locations\\/[a-z_]+$/.test(path);',
      'const g = { nested: `a${`/boxes/${slug}`}b` };',
    ].join('\n');
    expect(offences(sample)).toEqual([
      '2: CT route "/boxes"',
      '2: CT field name location_id',
      '3: CT route "${}/vouchers"',
      '4: CT route "/me.json"',
      '5: CT field name "location_slug"',
      '5: CT field name unique_id',
      '8: CT route "/boxes/${}"',
    ]);
  });

  it("imports none of CT's wire types, route builders or resources (they are src/ct/'s business)", () => {
    const found = sourceFiles(SCHEMA).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/gm)]
        .map((m) => m[1]!)
        .filter((specifier) => /\/ct\/(?:types|paths)\.js$|\/ct\/resources\//.test(specifier))
        .map((specifier) => `${relative(ROOT, file)} imports ${specifier}`),
    );
    expect(found).toEqual([]);
  });

  it('has no CT route and no CT field name in any module under src/schema/', () => {
    const files = sourceFiles(SCHEMA);
    expect(files.length).toBeGreaterThan(10);
    const found = files.flatMap((file) => offences(readFileSync(file, 'utf8')).map((o) => `${relative(ROOT, file)}:${o}`));
    expect(found).toEqual([]);
  });
});
