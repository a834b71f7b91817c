// Copying grid rows as TSV, CSV, JSON or INSERT statements: plain functions over JSON cells
// (null, text, numbers, {binary: hex}, {text, truncated}), shared by any view that shows rows.
import { copyText } from "./clipboard.js";
import { COPY_LIMIT, copySize, isCut } from "./cell_values.js";

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


// Rows' values for Copy/Duplicate, every cell cut for display replaced by its whole value, read
// through source.readWhole(row, ci, cutValue). Throws (saying which cell and why) rather than use a
// preview; a cell past COPY_LIMIT calls source.onTooBig(row, ci) (which offers Save to file).
// source: {names, cellValue(row, ci), describeRow(row), readWhole, onTooBig, onProgress(text)}
export async function wholeValues(source, rows, cols) {
  let budget = COPY_LIMIT;
  const out = [];
  for (const row of rows) {
    const values = [];
    for (const ci of cols) {
      let v = source.cellValue(row, ci);
      if (isCut(v)) {
        const size = copySize(v);
        const what = "binary" in v ? `${v.size.toLocaleString("en-US")} bytes` : `${v.length.toLocaleString("en-US")} characters`;
        const where = `${source.names[ci]} of row ${source.describeRow(row)}`;
        if (size > budget) {
          if (source.onTooBig) source.onTooBig(row, ci);
          throw new Error(
            `${where} holds ${what}, more than the ${(COPY_LIMIT / 1048576).toFixed(0)} MiB Copy takes. ` +
              "Nothing was copied; save the value to a file from the side panel instead.",
          );
        }
        if (source.onProgress) source.onProgress(`reading ${source.names[ci]} (${what}) from the server…`);
        v = await source.readWhole(row, ci, v);
        budget -= size;
      }
      values.push(v);
    }
    out.push(values);
  }
  return out;
}

// Copy the grid's selection in `format`: whole rows with a header line, a block of cells as values
// only, one cell as its exact text. Returns {text, rows, ok}; throws like wholeValues.
export async function copyGridSelection(grid, source, format) {
  const rows = grid.selectedRows();
  const cols = grid.selectedColumns();
  const values = await wholeValues(source, rows, cols);
  const all = formatValues(values, cols.map((ci) => source.names[ci]), format, source.table);
  let text = grid.wholeRows() ? all : all.split(format === "CSV" ? "\r\n" : "\n").slice(1).join(format === "CSV" ? "\r\n" : "\n");
  if (format === "JSON" || format === "INSERT") text = all;
  if (values.length === 1 && cols.length === 1 && format === "TSV" && !grid.wholeRows()) {
    text = values[0][0] === null ? "NULL" : String(plain(values[0][0])); // one cell: its exact text
  }
  const ok = await copyText(text);
  return { text, rows: rows.length, ok };
}
