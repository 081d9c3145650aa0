/** What a benchmark section returns: tables of figures and ratios measured in the same run. */
export interface BenchTable {
  title: string;
  columns: string[];
  rows: (string | number)[][];
}

export interface BenchRatio {
  name: string;
  value: number;
  /** Human-readable target, e.g. ">= 0.4" — printed beside the value, never asserted. */
  target?: string;
  met?: boolean;
}

export interface BenchSection {
  title: string;
  tables: BenchTable[];
  ratios: BenchRatio[];
  notes?: string[];
}

export function printSection(section: BenchSection): void {
  console.log(`\n## ${section.title}\n`);
  for (const table of section.tables) {
    console.log(`### ${table.title}\n`);
    console.log(`| ${table.columns.join(" | ")} |`);
    console.log(`|${table.columns.map(() => "---").join("|")}|`);
    for (const row of table.rows) {
      console.log(`| ${row.map((c) => (typeof c === "number" ? formatNumber(c) : c)).join(" | ")} |`);
    }
    console.log("");
  }
  if (section.ratios.length > 0) {
    console.log("### Ratios (measured in this run)\n");
    for (const r of section.ratios) {
      const verdict = r.met === undefined ? "" : r.met ? "  ✓ target met" : "  ✗ target missed";
      console.log(`- ${r.name}: ${formatNumber(r.value)}${r.target ? ` (target ${r.target})` : ""}${verdict}`);
    }
    console.log("");
  }
  for (const note of section.notes ?? []) console.log(`> ${note}`);
}

function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString("en-US");
  return n.toFixed(n >= 10 ? 1 : 2);
}
