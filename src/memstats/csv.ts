/**
 * csv.ts — a small RFC 4180 record reader for `COPY … WITH CSV HEADER` output.
 *
 * Kept separate from the column logic in `read_csv.ts` because it is a different concern:
 * splitting text into records. It keeps what the column logic needs and a generic splitter
 * would lose: whether each field was quoted (COPY writes NULL as an unquoted empty field and an
 * empty string as `""`), the 1-based line each record starts on (quoted fields may span lines,
 * as multi-line idents do), and whether the text ended inside a quoted field (a truncated file).
 *
 * @module
 */

/** One CSV record. */
export interface CsvRecord {
  /** Field values, quotes removed and `""` turned into `"`. */
  fields: string[];
  /** For each field, whether it was quoted. */
  quoted: boolean[];
  /** 1-based line the record starts on. */
  line: number;
  /** Offset of the record's first character in the text. */
  start: number;
  /** Offset just past the record (its newline excluded). */
  end: number;
  /** Set when the record is malformed: text after a closing quote, or an unclosed quote. */
  problem?: "junk after closing quote" | "unterminated quoted field";
}

/** A record's raw text (cut to 200 characters), for error reports. */
export function recordText(text: string, rec: CsvRecord): string {
  return text.slice(rec.start, Math.min(rec.end, rec.start + 200));
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

/** Splits CSV text into records. Blank lines are dropped. Never throws. */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0; // byte-order mark
  let line = 1;
  while (pos < n) {
    const rec: CsvRecord = { fields: [], quoted: [], line, start: pos, end: pos };
    for (;;) {
      if (text.charCodeAt(pos) === QUOTE) {
        let value = "";
        let from = pos + 1;
        for (;;) {
          const q = text.indexOf('"', from);
          if (q < 0) {
            value += text.slice(from);
            pos = n;
            rec.problem = "unterminated quoted field";
            break;
          }
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += text.slice(from, q + 1);
            from = q + 2;
          } else {
            value += text.slice(from, q);
            pos = q + 1;
            break;
          }
        }
        for (let i = value.indexOf("\n"); i >= 0; i = value.indexOf("\n", i + 1)) line++;
        rec.fields.push(value);
        rec.quoted.push(true);
        const c = text.charCodeAt(pos);
        if (pos < n && c !== COMMA && c !== LF && !(c === CR && text.charCodeAt(pos + 1) === LF)) {
          rec.problem ??= "junk after closing quote";
          while (pos < n && text.charCodeAt(pos) !== COMMA && text.charCodeAt(pos) !== LF) pos++;
        }
      } else {
        const from = pos;
        let c = 0;
        while (pos < n && (c = text.charCodeAt(pos)) !== COMMA && c !== LF) pos++;
        let to = pos;
        if (c === LF && to > from && text.charCodeAt(to - 1) === CR) to--;
        rec.fields.push(text.slice(from, to));
        rec.quoted.push(false);
      }
      if (pos >= n) {
        rec.end = n;
        break;
      }
      if (text.charCodeAt(pos) === COMMA) {
        pos++;
        continue;
      }
      // At the end of the record: a newline, or CR LF right after a quoted field.
      let end = pos;
      if (text.charCodeAt(pos) === CR) pos++;
      if (end > rec.start && text.charCodeAt(end - 1) === CR) end--;
      rec.end = end;
      pos++; // the newline
      line++;
      break;
    }
    const blank = rec.fields.length === 1 && !rec.quoted[0] && rec.fields[0] === "";
    if (!blank) records.push(rec);
  }
  return records;
}
