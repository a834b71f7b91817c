// Copying grid rows as TSV, CSV, JSON or INSERT statements: plain functions over JSON cells
// (null, text, numbers, {binary: hex}, {text, truncated}), shared by any view that shows rows.

export function plain(v) {
  if (v === null || v === undefined) return null;
  if (typeof v === "object") return "binary" in v ? "0x" + v.binary : v.text;
  return v;
}

export function sqlLiteral(v) {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "number") return String(v);
  if (typeof v === "object" && "binary" in v) return "X'" + v.binary + "'";
  const text = typeof v === "object" ? v.text : String(v);
  return "'" + text.replace(/\\/g, "\\\\").replace(/'/g, "''").replace(/\n/g, "\\n").replace(/\r/g, "\\r") + "'";
}

export function quoteIdent(name) {
  return "`" + name.replace(/`/g, "``") + "`";
}

// One JSON cell as a TSV field: \N for NULL; backslash, tab, line ends escaped as MySQL does.
export function tsvField(v) {
  if (v === null || v === undefined) return "\\N";
  return String(plain(v)).replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
}

// Rows of JSON cells as text: TSV (\N for NULL), CSV (RFC 4180, \N for NULL), JSON or INSERTs.
export function formatValues(values, heads, format, table) {
  if (format === "JSON") {
    return JSON.stringify(values.map((r) => Object.fromEntries(r.map((v, i) => [heads[i], plain(v)]))), null, 2);
  }
  if (format === "INSERT") {
    const target = quoteIdent(table);
    const list = heads.map(quoteIdent).join(", ");
    return values.map((r) => `INSERT INTO ${target} (${list}) VALUES (${r.map(sqlLiteral).join(", ")});`).join("\n");
  }
  if (format === "CSV") {
    const field = (v) => {
      if (v === null || v === undefined) return "\\N";
      const s = String(plain(v));
      return /[",\r\n]/.test(s) || s === "\\N" ? '"' + s.replace(/"/g, '""') + '"' : s;
    };
    return [heads.map(field), ...values.map((r) => r.map(field))].map((r) => r.join(",")).join("\r\n");
  }
  return [heads.join("\t"), ...values.map((r) => r.map(tsvField).join("\t"))].join("\n");
}

