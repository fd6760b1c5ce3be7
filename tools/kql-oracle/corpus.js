#!/usr/bin/env node
// Collects the queries the differential test runs and the catalog both engines are given.
//
//   node corpus.js <repo-root> <corpus-dir> <out-dir>
//
// Writes <out-dir>/catalog.json (tables from <repo-root>/schemas/*.json in the Azure-Sentinel CustomTables
// format; saved functions from the corpus parsers and <repo-root>/functions/*.yaml) and <out-dir>/cases.jsonl
// ({"id","file","kind","query"}: rules' `query` (kind "rule"), parsers' `FunctionQuery` ("parser"), our
// detections and hunting queries ("detection") and functions ("function"; with "function": name), and the crate's fixtures
// ("fixture-valid", "fixture-invalid"). Files that are not YAML
// mappings with such a key are skipped and listed on stderr.
'use strict';
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const [root, corpus, out] = process.argv.slice(2);
if (!root || !corpus || !out) {
  process.stderr.write('usage: node corpus.js <repo-root> <corpus-dir> <out-dir>\n');
  process.exit(2);
}

function walk(dir) {
  const res = [];
  if (!fs.existsSync(dir)) return res;
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) res.push(...walk(p));
    else res.push(p);
  }
  return res;
}

function load(file) {
  let text = fs.readFileSync(file, 'utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    const docs = YAML.parseAllDocuments(text, { uniqueKeys: false, logLevel: 'silent' });
    const doc = docs.find(d => d.contents);
    if (!doc || doc.errors.length) return null;
    const v = doc.toJS({ maxAliasCount: -1 });
    return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
  } catch (e) {
    return null;
  }
}

function params(fp) {
  if (!fp) return [];
  if (typeof fp === 'string') {
    // "a:string = 'x', b:timespan"
    return fp.split(',').map(s => s.trim()).filter(Boolean).map(s => {
      const m = s.match(/^([A-Za-z_][\w]*)\s*:\s*([^=]+?)\s*(?:=\s*(.*))?$/);
      return m ? { name: m[1], type: m[2], default: m[3] ?? null } : { name: s, type: 'dynamic', default: null };
    });
  }
  return fp.map(p => {
    let d = p.Default == null ? null : String(p.Default);
    // YAML reads `3.0` as the number 3; KQL wants a real literal for a real parameter
    if (d !== null && typeof p.Default === 'number' && /^(real|double|decimal)$/i.test(String(p.Type)) && /^-?\d+$/.test(d)) d += '.0';
    if (d !== null && typeof p.Default === 'boolean') d = String(p.Default);
    return { name: String(p.Name), type: String(p.Type), default: d };
  });
}

// A function body is checked with its parameters declared, as the workspace binds them.
function withParams(ps, body) {
  if (!ps.length) return body;
  const decl = ps.map(p => `${p.name}:${p.type}` + (p.default != null ? ` = ${p.default}` : '')).join(', ');
  return `declare query_parameters(${decl});\n` + body;
}

const cases = [];
const functions = [];
const skipped = [];
function addFile(file, relBase, own) {
  if (/\.(md|csv|txt)$/i.test(file) || /[\\/]Workbooks[\\/]/.test(file)) return;
  const doc = load(file);
  const rel = path.relative(relBase, file);
  if (!doc) { skipped.push(rel); return; }
  if (typeof doc.query === 'string') {
    cases.push({ id: rel, file: rel, kind: own ? 'detection' : 'rule', query: doc.query });
  } else if (typeof doc.FunctionQuery === 'string') {
    const name = String(doc.FunctionAlias || doc.FunctionName || '');
    const ps = params(doc.FunctionParams);
    cases.push({ id: rel, file: rel, kind: own ? 'function' : 'parser', function: name, query: withParams(ps, doc.FunctionQuery) });
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      functions.push({ name, params: ps, body: doc.FunctionQuery, own });
    }
  } else {
    skipped.push(rel);
  }
}
for (const f of walk(corpus)) addFile(f, path.dirname(corpus), false);
for (const dir of ['detections', 'functions', 'hunting']) {
  for (const f of walk(path.join(root, dir)).filter(f => /\.ya?ml$/.test(f))) addFile(f, root, true);
}

// Our parser fixtures (crates/kql/resources/{valid,invalid}/**/*.kql): both engines must agree on them too.
for (const kind of ['valid', 'invalid']) {
  for (const f of walk(path.join(root, 'crates/kql/resources', kind)).filter(f => f.endsWith('.kql'))) {
    const rel = path.relative(root, f);
    cases.push({ id: rel, file: rel, kind: `fixture-${kind}`, query: fs.readFileSync(f, 'utf8') });
  }
}

// Later definitions win (our functions override corpus parsers of the same name).
const byName = new Map();
for (const f of functions) byName.set(f.name, f);

const tables = [];
// schemas/*.json (top level only: schemas/json/ holds the JSON Schemas of our content files)
const schemaDir = path.join(root, 'schemas');
for (const f of fs.readdirSync(schemaDir).filter(f => f.endsWith('.json')).sort()) {
  const t = JSON.parse(fs.readFileSync(path.join(schemaDir, f), 'utf8').replace(/^\uFEFF/, ''));
  if (typeof t.Name !== 'string' || !Array.isArray(t.Properties)) {
    process.stderr.write(`corpus: schemas/${f} is not a table schema ({"Name", "Properties"}); skipped\n`);
    continue;
  }
  tables.push({ name: t.Name, columns: t.Properties.map(p => ({ name: p.Name, type: p.Type })) });
}

fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, 'catalog.json'), JSON.stringify({ tables, functions: [...byName.values()] }, null, 1));
fs.writeFileSync(path.join(out, 'cases.jsonl'), cases.map(c => JSON.stringify(c)).join('\n') + '\n');
process.stderr.write(`corpus: ${cases.length} queries (${cases.filter(c => c.kind === 'rule').length} rules, ` +
  `${cases.filter(c => c.kind === 'parser').length} parsers, ${cases.filter(c => c.kind === 'detection').length} detections, ` +
  `${cases.filter(c => c.kind === 'function').length} functions, ${cases.filter(c => c.kind.startsWith('fixture')).length} fixtures); ${tables.length} tables, ${byName.size} functions; ` +
  `${skipped.length} files without a query skipped\n`);
