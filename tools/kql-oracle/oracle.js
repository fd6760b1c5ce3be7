#!/usr/bin/env node
// The KQL oracle: Microsoft's Kusto.Language (from @kusto/language-service-next) over JSON lines.
//
//   node oracle.js catalog.json < cases.jsonl > results.jsonl
//
// catalog.json: {"tables":[{"name","columns":[{"name","type"}]}], "functions":[{"name","params":[{"name","type","default"}],"body"}]}
//   (built from schemas/*.json and functions by corpus.js; the same catalog sentinel_kql is given).
// Each input line: {"id": "...", "query": "..."}.
// Each output line: {"id", "syntax": [diag], "diagnostics": [diag] (syntax + semantic, errors and warnings),
//   "columns": [{"name","type"}] | null, "ms": analysis time}
//   diag = {"code","severity","message","start","length"}.
// The last line is {"summary": {"queries", "total_ms", "steady_ms" (without the first, warm-up query), "load_ms"}}.
'use strict';
const fs = require('fs');
const readline = require('readline');

const t0 = process.hrtime.bigint();
require('@kusto/language-service-next/bridge.min.js');
require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
const K = Kusto.Language, S = K.Symbols;

function quote(name) {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `['${name.replace(/'/g, "\\'")}']`;
}
const TYPES = { string: 'string', int: 'int', int32: 'int', long: 'long', int64: 'long', real: 'real', double: 'real',
  decimal: 'decimal', bool: 'bool', boolean: 'bool', datetime: 'datetime', timespan: 'timespan', dynamic: 'dynamic',
  guid: 'guid' };
function kqlType(t) {
  return TYPES[String(t).toLowerCase()] || 'dynamic';
}

function buildGlobals(catalog) {
  const symbols = [];
  for (const t of catalog.tables || []) {
    const schema = '(' + t.columns.map(c => `${quote(c.name)}:${kqlType(c.type)}`).join(', ') + ')';
    symbols.push(new S.TableSymbol.$ctor7(t.name, schema, null));
  }
  // _GetWatchlist('alias'): Sentinel's built-in function; its columns depend on the watchlist, so it
  // returns an open table (any column name is accepted), matching sentinel_kql's "unknown schema".
  const watch = new S.TableSymbol.$ctor7('__SentinelWatchlist',
    '(_DTItemId:string, LastUpdatedTimeUTC:datetime, SearchKey:string, WatchlistItem:dynamic)', null).WithIsOpen(true);
  symbols.push(watch);
  symbols.push(new S.FunctionSymbol.$ctor16('_GetWatchlist', '(watchlistAlias:string)', '{ __SentinelWatchlist }', null));
  for (const f of catalog.functions || []) {
    const params = '(' + (f.params || []).map(p => {
      const ty = String(p.type).trim().startsWith('(') ? p.type : kqlType(p.type);
      return `${quote(p.name)}:${ty}` + (p.default != null && p.default !== '' ? ` = ${p.default}` : '');
    }).join(', ') + ')';
    let body = String(f.body).trim();
    if (!body.startsWith('{')) body = '{\n' + body + '\n}';
    try {
      symbols.push(new S.FunctionSymbol.$ctor16(f.name, params, body, null));
    } catch (e) {
      process.stderr.write(`oracle: cannot declare function ${f.name}: ${e.message}\n`);
    }
  }
  const db = new S.DatabaseSymbol.ctor('SentinelWorkspace', symbols);
  return K.GlobalState.Default.WithDatabase(db).WithCache();
}

function diag(d) {
  return { code: d.Code, severity: String(d.Severity), message: d.Message, start: d.Start, length: d.Length };
}

function analyze(globals, query) {
  const code = K.KustoCode.ParseAndAnalyze(query, globals);
  const syntax = Bridge.toArray(code.GetSyntaxDiagnostics()).map(diag);
  const diagnostics = Bridge.toArray(code.GetDiagnostics()).map(diag);
  const rt = code.ResultType;
  let columns = null;
  if (rt && rt.Columns) columns = Bridge.toArray(rt.Columns).map(c => ({ name: c.Name, type: c.Type.Name }));
  return { syntax, diagnostics, columns };
}

async function main() {
  const catalogPath = process.argv[2];
  const catalog = catalogPath ? JSON.parse(fs.readFileSync(catalogPath, 'utf8')) : { tables: [], functions: [] };
  const globals = buildGlobals(catalog);
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  let n = 0, total = 0, first = 0;
  for await (const line of rl) {
    if (!line.trim()) continue;
    const c = JSON.parse(line);
    const s = process.hrtime.bigint();
    let out;
    try {
      out = analyze(globals, c.query);
    } catch (e) {
      out = { syntax: [], diagnostics: [{ code: 'ORACLE', severity: 'Error', message: String(e), start: 0, length: 0 }], columns: null };
    }
    const ms = Number(process.hrtime.bigint() - s) / 1e6;
    if (n === 0) first = ms;
    n++; total += ms;
    process.stdout.write(JSON.stringify({ id: c.id, ...out, ms }) + '\n');
  }
  // steady_ms leaves out the first query, which pays for the engine's warm-up (JIT, caches)
  process.stdout.write(JSON.stringify({ summary: { queries: n, total_ms: total, steady_ms: total - first, load_ms: loadMs } }) + '\n');
}
main().catch(e => { process.stderr.write(String(e && e.stack || e) + '\n'); process.exit(2); });
