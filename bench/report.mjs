// report.mjs RAW TXT JSON — turns make bench's raw figures into the table
// (markdown, TXT) and the JSON (JSON). RAW has one figure a line: "ROUND NAME
// VALUE" for measures taken in every round (ROUND 1, 2, …) and "- NAME VALUE"
// for those taken once. The table shows each measure's median over the rounds,
// its reference's median, their ratio and the goal from issue #17; the JSON
// holds every round's figure too.
import { readFileSync, writeFileSync } from 'node:fs';

const [rawPath, txtPath, jsonPath] = process.argv.slice(2);
const rounds = {}; // name -> [values]
const once = {};
for (const line of readFileSync(rawPath, 'utf8').split('\n')) {
  const m = line.match(/^(\S+) (\S+) (\S+)$/);
  if (!m) continue;
  const v = Number(m[3]);
  if (!Number.isFinite(v)) continue;
  if (m[1] === '-') once[m[2]] = v;
  else (rounds[m[2]] ??= []).push(v);
}
const median = (a) => {
  if (!a || a.length === 0) return null;
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const get = (name) => (rounds[name] ? median(rounds[name]) : once[name] ?? null);

// measure, its figure, its reference, how the ratio reads, the goal
// (kind: 'ratio' — dyad / reference must be >= goal; 'max' — the figure must
// be <= goal; 'info' — reported, no goal)
const rows = [
  { label: 'GET /healthz (req/s, 64 conn.)', name: 'healthz_rps', ref: 'ref_hello_rps', refLabel: 'bare libmicrohttpd hello', kind: 'ratio', goal: 0.9 },
  { label: 'static asset, gzip (req/s)', name: 'static_rps', ref: 'ref_hello_rps', refLabel: 'the same hello', kind: 'ratio', goal: null },
  { label: 'insights API, 28 days (req/s)', name: 'insights_rps', ref: 'ref_hello_rps', refLabel: 'the same hello', kind: 'ratio', goal: 0.5 },
  { label: 'insights page (req/s)', name: 'page_rps', ref: 'ref_hello_rps', refLabel: 'the same hello', kind: 'ratio', goal: null },
  { label: 'durable check-in writes (req/s, 64 conn.)', name: 'checkin_rps', ref: 'ref_sqlite_commits', refLabel: 'raw SQLite WAL commits, synchronous=FULL', kind: 'ratio', goal: 2.0 },
  { label: 'insights p99 at 256 conn. (ms)', name: 'insights256_p99_ms', kind: 'max', goal: 10 },
  { label: 'errors at 256 conn. (non-2xx + socket)', name: 'insights256_errors', kind: 'max', goal: 0 },
  { label: 'first page, cold (bytes on the wire)', name: 'first_page_bytes', kind: 'max', goal: 60000, note: 'before the crypto library' },
  { label: 'first page, cold (requests)', name: 'first_page_requests', kind: 'info' },
  { label: 'RSS serving the dataset (MiB, peak)', name: 'rss_peak_mib', kind: 'max', goal: 32 },
  { label: 'start to first request on the dataset (ms)', name: 'start_to_first_request_ms', kind: 'max', goal: 50 },
  { label: 'insights, 365 days, in-process (µs)', name: 'insights_365d_us', kind: 'max', goal: 50 },
  { label: 'insights, 10 years of data, 365-day window, in-process (µs)', name: 'insights_10y_365d_us', kind: 'max', goal: 50 },
  { label: 'insights, 10 years of data, 28-day window, in-process (µs)', name: 'insights_10y_28d_us', kind: 'info' },
  { label: 'dataset generation (s)', name: 'gendata_seconds', kind: 'info' },
  { label: 'PostgreSQL: GET /healthz vs SQLite', name: 'http_pg_healthz_rps', ref: 'http_pg_lite_healthz_rps', refLabel: 'the same on SQLite', kind: 'ratio', goal: null },
  { label: 'PostgreSQL: static asset vs SQLite', name: 'http_pg_static_rps', ref: 'http_pg_lite_static_rps', refLabel: 'the same on SQLite', kind: 'ratio', goal: null },
  { label: 'PostgreSQL: GET /api/v1/me vs SQLite', name: 'http_pg_me_rps', ref: 'http_pg_lite_me_rps', refLabel: 'the same on SQLite', kind: 'ratio', goal: null },
  { label: 'PostgreSQL: insights API vs SQLite', name: 'http_pg_insights_rps', ref: 'http_pg_lite_insights_rps', refLabel: 'the same on SQLite', kind: 'ratio', goal: null },
  { label: 'PostgreSQL: two servers vs one (/me)', name: 'http_pg_two_servers_me_rps', ref: 'http_pg_me_rps', refLabel: 'one server', kind: 'ratio', goal: null },
  { label: 'PostgreSQL: two servers vs one (insights)', name: 'http_pg_two_servers_insights_rps', ref: 'http_pg_insights_rps', refLabel: 'one server', kind: 'ratio', goal: null },
];

const fmt = (v) => (v === null ? '—' : Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : String(+v.toFixed(2)));
const out = [];
const json = { rounds, once, rows: [] };
out.push(`| measure | reference | dyad | ratio | goal | met |`);
out.push(`|---|---|---|---|---|---|`);
for (const r of rows) {
  const v = get(r.name);
  if (v === null) continue;
  const refv = r.ref ? get(r.ref) : null;
  const ratio = refv ? v / refv : null;
  let goal = '—';
  let met = null;
  if (r.kind === 'ratio' && r.goal !== null) {
    goal = `≥ ${r.goal}×`;
    met = ratio !== null && ratio >= r.goal;
  } else if (r.kind === 'max') {
    goal = `≤ ${fmt(r.goal)}${r.note ? ` (${r.note})` : ''}`;
    met = v <= r.goal;
  }
  out.push(`| ${r.label} | ${r.ref ? `${r.refLabel}: ${fmt(refv)}` : '—'} | ${fmt(v)} | ${ratio === null ? '—' : ratio.toFixed(2) + '×'} | ${goal} | ${met === null ? '' : met ? 'yes' : 'no'} |`);
  json.rows.push({ measure: r.label, name: r.name, value: v, reference: refv, reference_name: r.ref ?? null, ratio, goal: r.goal ?? null, goal_kind: r.kind, met });
}
const n = Math.max(0, ...Object.values(rounds).map((a) => a.length));
out.push('');
out.push(`Medians of ${n} interleaved rounds (figures taken once: first page, RSS, start-up, in-process insights, PostgreSQL).`);
out.push(`Measured on loopback with wrk on a shared machine under load: ratios to references taken in the same rounds are the figures to read.`);
writeFileSync(txtPath, out.join('\n') + '\n');
writeFileSync(jsonPath, JSON.stringify(json, null, 2) + '\n');
process.stdout.write(out.join('\n') + '\n');
