import { stringify } from 'csv-stringify/sync';
import type { Db } from '../../db/index.ts';
import { providerSettings } from '../patches/store.ts';
import { addDays, dayjs, isIsoDate, localInstant } from '../time.ts';
import { escalationsBetween } from './store.ts';

/**
 * `patchbot export escalations --from D --to D`: every escalation raised on those local days
 * (inclusive), one row per recorded step, for review (NICE NG67: identify, report, review, learn).
 */

export const EXPORT_COLUMNS = [
  'escalation_id',
  'kind',
  'patch',
  'client_code',
  'client',
  'what',
  'time_critical',
  'urgency',
  'raised_by',
  'raised_at',
  'source',
  'status',
  'acknowledged_by',
  'acknowledged_at',
  'resolved_by',
  'resolved_at',
  'outcome',
  'outcome_note',
  'note',
  'event_at',
  'event',
  'event_by',
  'event_detail',
] as const;

export function parseExportRange(
  from: string | undefined,
  to: string | undefined,
): { ok: true; from: string; to: string } | { ok: false; message: string } {
  if (!from || !to) return { ok: false, message: 'give both dates: --from 2026-11-01 --to 2026-11-30' };
  for (const [flag, value] of [
    ['--from', from],
    ['--to', to],
  ] as const) {
    if (!isIsoDate(value)) return { ok: false, message: `${flag} ${value}: expected a date YYYY-MM-DD` };
  }
  if (to < from) return { ok: false, message: `--to ${to} is before --from ${from}` };
  return { ok: true, from, to };
}

export function exportEscalationsCsv(
  db: Db,
  from: string,
  to: string,
): { csv: string; escalations: number; rows: number } {
  const zone = providerSettings(db).timezone;
  const start = localInstant(from, '00:00', zone);
  const end = localInstant(addDays(to, 1), '00:00', zone);
  const iso = (ms: number | null) => (ms === null ? '' : dayjs(ms).tz(zone).format('YYYY-MM-DDTHH:mm:ssZ'));
  const rows = escalationsBetween(db, start, end);
  const records = rows.map(({ e, ev, patchCode, client }) => [
    e.id,
    e.kind,
    patchCode,
    client?.code ?? '',
    client?.name ?? '',
    e.what ?? '',
    e.timeCritical ? 'yes' : 'no',
    e.urgency,
    e.raisedBy ?? '',
    iso(e.raisedAt),
    e.source,
    e.status,
    e.ackedBy ?? '',
    iso(e.ackedAt),
    e.resolvedBy ?? '',
    iso(e.resolvedAt),
    e.outcome ?? '',
    e.outcomeNote ?? '',
    e.note ?? '',
    iso(ev.at),
    ev.action,
    ev.actor ?? '',
    ev.detail ?? '',
  ]);
  const csv = stringify(records, { header: true, columns: [...EXPORT_COLUMNS], record_delimiter: '\r\n' });
  return { csv, escalations: new Set(rows.map((r) => r.e.id)).size, rows: rows.length };
}
