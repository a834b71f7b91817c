// SQL autocomplete fed on demand: the current database's table names up front, every other name
// (columns of the tables a statement names, `db.` tables of any database) fetched when needed and
// cached, so any table of any database completes and no name is silently dropped.
import { api } from "./eddy.js";

const WORD = "[\\p{L}\\p{N}_$]";
const IDENT = "(?:`((?:[^`]|``)+)`|(" + WORD + "+))";
// FROM/JOIN/UPDATE/INTO [db.]table [[AS] alias]
const TABLE_REF = new RegExp(
  "\\b(?:from|join|update|into)\\s+" + IDENT + "(?:\\s*\\.\\s*" + IDENT + ")?(?:\\s+(?:as\\s+)?" + IDENT + ")?",
  "giu",
);
const NOT_ALIAS = new Set(
  ("where join inner left right cross natural straight_join on using set order group limit having values " +
    "value select union window for lock partition as into")
    .split(" "),
);

const columnCache = new Map(); // "db\0table" -> string[]
const tablesCache = new Map(); // "db\0prefix" -> {tables, more}

const unquote = (quoted, plain) => (quoted !== undefined ? quoted.replace(/``/g, "`") : plain);

export function quoteName(name) {
  return new RegExp("^" + WORD + "+$", "u").test(name) && !/^\d+$/.test(name) ? name : "`" + name.replace(/`/g, "``") + "`";
}

function statementAround(text, pos) {
  const start = text.lastIndexOf(";", pos - 1) + 1;
  const next = text.indexOf(";", pos);
  return text.slice(start, next < 0 ? text.length : next);
}

// The tables a statement names: [{db, table, alias}] (db null: the current database).
export function tableRefs(statement) {
  const refs = [];
  for (const m of statement.matchAll(TABLE_REF)) {
    const first = unquote(m[1], m[2]);
    const second = m[3] !== undefined || m[4] !== undefined ? unquote(m[3], m[4]) : null;
    let alias = m[5] !== undefined || m[6] !== undefined ? unquote(m[5], m[6]) : null;
    if (alias && m[5] === undefined && NOT_ALIAS.has(alias.toLowerCase())) alias = null;
    refs.push(second === null ? { db: null, table: first, alias } : { db: first, table: second, alias });
  }
  return refs;
}

async function columnsFor(pairs) {
  const missing = pairs.filter(([db, t]) => !columnCache.has(db + "\0" + t));
  if (missing.length) {
    try {
      const data = await api("/api/editor/columns", { body: { tables: missing.slice(0, 64) } });
      for (const entry of data.tables) columnCache.set(entry.database + "\0" + entry.table, entry.columns);
    } catch {
      // The server said no (gone table, lost connection): complete with what is known.
    }
  }
  return pairs.map(([db, t]) => ({ db, table: t, columns: columnCache.get(db + "\0" + t) || [] }));
}

async function tablesOf(db, prefix) {
  const key = db + "\0" + prefix;
  if (!tablesCache.has(key)) {
    try {
      const url = `/api/editor/tables?db=${encodeURIComponent(db)}&prefix=${encodeURIComponent(prefix)}`;
      tablesCache.set(key, await api(url, { method: "GET" }));
    } catch {
      return { tables: [], more: false };
    }
  }
  return tablesCache.get(key);
}

export function forgetCachedNames() {
  columnCache.clear();
  tablesCache.clear();
}

// The identifier chain before `pos`: "db.tbl.co|" -> {quals: ["db", "tbl"], word: "co", from}.
function wordBefore(state, pos) {
  const line = state.doc.lineAt(pos);
  const before = state.sliceDoc(line.from, pos);
  const m = before.match(new RegExp("((?:" + IDENT + "\\s*\\.\\s*){0,2})(`?" + WORD + "*)$", "u"));
  if (!m) return null;
  const quals = [];
  for (const q of m[1].matchAll(new RegExp(IDENT, "gu"))) quals.push(unquote(q[1], q[2]));
  const raw = m[m.length - 1];
  return { quals, word: raw.replace(/^`/, ""), from: pos - raw.length };
}

function option(label, type, detail, boost) {
  return { label, type, detail, boost, apply: quoteName(label) };
}

// The completion source: `getSchema()` returns {databases, database, tables, tables_more}.
export function schemaCompletions(getSchema) {
  return async (context) => {
    const at = wordBefore(context.state, context.pos);
    if (!at) return null;
    if (!at.quals.length && !at.word && !context.explicit) return null;
    const schema = getSchema();
    const current = schema.database || null;
    const statement = statementAround(context.state.doc.toString(), context.pos);
    const refs = tableRefs(statement).map((r) => ({ ...r, db: r.db || current }));
    const options = [];
    const validFor = new RegExp("^`?" + WORD + "*$", "u");
    if (at.quals.length === 2) {
      const [{ columns }] = await columnsFor([[at.quals[0], at.quals[1]]]);
      for (const c of columns) options.push(option(c, "property", undefined, 2));
      return { from: at.from, options, validFor };
    }
    if (at.quals.length === 1) {
      const q = at.quals[0];
      const ref =
        refs.find((r) => r.alias && r.alias === q) ||
        refs.find((r) => !r.alias && r.table === q) ||
        refs.find((r) => r.table === q);
      if (ref && ref.db) {
        const [{ columns }] = await columnsFor([[ref.db, ref.table]]);
        for (const c of columns) options.push(option(c, "property", undefined, 2));
      }
      // A database (also one created after the names were loaded): its tables, by prefix.
      if (!ref && !(schema.tables || []).includes(q)) {
        const { tables, more } = await tablesOf(q, at.word);
        for (const t of tables) options.push(option(t, "type", undefined, 1));
        if (more) options.push({ label: at.word + "…", detail: "more: keep typing", type: "text", apply: at.word });
        return { from: at.from, options, validFor: more ? undefined : validFor };
      }
      if (!ref && current && (schema.tables || []).includes(q)) {
        const [{ columns }] = await columnsFor([[current, q]]);
        for (const c of columns) options.push(option(c, "property", undefined, 2));
      }
      return options.length ? { from: at.from, options, validFor } : null;
    }
    // A bare word: columns of the statement's tables, then tables, then databases.
    const pairs = refs.filter((r) => r.db).map((r) => [r.db, r.table]);
    const seen = new Set();
    for (const { table, columns } of await columnsFor(pairs)) {
      for (const c of columns) {
        if (seen.has(c)) continue;
        seen.add(c);
        options.push(option(c, "property", table, 2));
      }
    }
    let more = false;
    if (current) {
      let names = schema.tables || [];
      if (schema.tables_more) {
        const found = await tablesOf(current, at.word);
        names = found.tables;
        more = found.more;
      }
      for (const t of names) options.push(option(t, "type", current, 1));
    }
    for (const d of schema.databases || []) options.push(option(d, "namespace", "database", 0));
    return options.length ? { from: at.from, options, validFor: more || schema.tables_more ? undefined : validFor } : null;
  };
}
