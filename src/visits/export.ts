import { stringify } from 'csv-stringify/sync';
import { and, asc, eq, gte, inArray, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import {
  clients,
  coverItems,
  coverTakes,
  patches,
  visitCarers,
  visitClients,
  visitEvents,
  visits,
} from '../../db/schema.ts';
import { providerSettings } from '../patches/store.ts';
import { addDays, dayjs, localDate, localInstant, MINUTE } from '../time.ts';
import type { VisitRow } from './store.ts';

/**
 * `patchbot export visits --from D --to D [--patch CODE]`: every visit (fixed and flexible) whose local
 * day is in the range, one CSV row each (RFC 4180, CRLF, a header row): when it was planned and for how
 * long, who was planned and who went, when they arrived and were done and how late, how it ended, and
 * whether it was covered (a cover take) or taken over. Times are in the provider's zone with their offset.
 * Reads the cover tables directly: it needs nothing of cover's but its rows.
 */

export const VISIT_EXPORT_COLUMNS = [
  'visit_id',
  'date',
  'kind',
  'patch',
  'client_codes',
  'clients',
  'purpose',
  'planned_start',
  'minutes',
  'planned_carer',
  'went',
  'arrived_at',
  'done_at',
  'minutes_late',
  'outcome',
  'reason',
  'covered',
  'covered_by',
  'taken_over',
  'taken_over_by',
] as const;

/** How a visit ended, for the `outcome` column. */
export type Outcome = 'done' | 'arrived' | 'missed' | 'not_needed' | 'cancelled' | 'open';

export function outcomeOf(v: Pick<VisitRow, 'status' | 'alertLevel'>): Outcome {
  switch (v.status) {
    case 'done':
    case 'arrived':
    case 'not_needed':
    case 'cancelled':
      return v.status;
    default:
      return v.alertLevel === 'missed' ? 'missed' : 'open';
  }
}

/**
 * Whole minutes from the planned start to the arrival, rounded as the alerts round them; an early
 * arrival is 0, never negative. Only where a start was planned: a fixed visit, or a pop-back wanted by
 * a time (`by`, `hour`); for "as soon as possible" and "any time today" there is no start to be late for.
 */
export function minutesLate(v: Pick<VisitRow, 'kind' | 'urgency' | 'startsAt' | 'arrivedAt'>): number | null {
  if (v.arrivedAt === null || v.startsAt === null) return null;
  if (v.kind !== 'fixed' && v.urgency !== 'by' && v.urgency !== 'hour') return null;
  return Math.max(0, Math.round((v.arrivedAt - v.startsAt) / MINUTE));
}

/** SQLite takes a bounded number of parameters: look-ups by id go in chunks. */
const CHUNK = 500;
function chunked<T>(ids: readonly number[], fn: (chunk: number[]) => T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...fn(ids.slice(i, i + CHUNK)));
  return out;
}

function group<K, V>(pairs: Array<[K, V]>): Map<K, V[]> {
  const out = new Map<K, V[]>();
  for (const [k, v] of pairs) out.set(k, [...(out.get(k) ?? []), v]);
  return out;
}

export type VisitsExport = { ok: true; csv: string; visits: number } | { ok: false; message: string };

export function exportVisitsCsv(
  db: Db,
  from: string,
  to: string,
  opts: { patch?: string } = {},
): VisitsExport {
  const zone = providerSettings(db).timezone;
  let patchId: number | undefined;
  if (opts.patch !== undefined) {
    const found = db.select({ id: patches.id }).from(patches).where(eq(patches.code, opts.patch)).get();
    if (!found) {
      const codes = db
        .select({ code: patches.code })
        .from(patches)
        .orderBy(asc(patches.code))
        .all()
        .map((p) => p.code);
      return {
        ok: false,
        message: `--patch ${opts.patch}: no patch has that code${codes.length ? ` (the codes are ${codes.join(', ')})` : ''}`,
      };
    }
    patchId = found.id;
  }
  const start = localInstant(from, '00:00', zone);
  const end = localInstant(addDays(to, 1), '00:00', zone);
  const onPatch = patchId === undefined ? undefined : eq(visits.patchId, patchId);
  const plannedAt = sql<number>`coalesce(${visits.startsAt}, ${visits.createdAt})`;
  const rows = db
    .select({ v: visits, patchCode: patches.code })
    .from(visits)
    .innerJoin(patches, eq(patches.id, visits.patchId))
    .where(
      and(
        onPatch,
        // A fixed visit's day is its plan's; a flexible one's, the local day it was wanted (or asked).
        or(
          and(gte(visits.occursOn, from), lte(visits.occursOn, to)),
          and(isNull(visits.occursOn), gte(plannedAt, start), lt(plannedAt, end)),
        ),
      ),
    )
    .orderBy(asc(plannedAt), asc(patches.code), asc(visits.id))
    .all();
  const ids = rows.map((r) => r.v.id);
  const clientsOf = group(
    chunked(ids, (c) =>
      db
        .select({ visitId: visitClients.visitId, code: clients.code, name: clients.name })
        .from(visitClients)
        .innerJoin(clients, eq(clients.id, visitClients.clientId))
        .where(inArray(visitClients.visitId, c))
        .orderBy(asc(visitClients.visitId), asc(visitClients.position))
        .all(),
    ).map((r): [number, { code: string; name: string }] => [r.visitId, r]),
  );
  const carersOf = group(
    chunked(ids, (c) =>
      db
        .select({ visitId: visitCarers.visitId, userId: visitCarers.userId })
        .from(visitCarers)
        .where(inArray(visitCarers.visitId, c))
        .orderBy(asc(visitCarers.visitId), asc(visitCarers.claimedAt), asc(visitCarers.userId))
        .all(),
    ).map((r): [number, string] => [r.visitId, r.userId]),
  );
  const takersOf = group(
    chunked(ids, (c) =>
      db
        .select({ visitId: coverItems.visitId, userId: coverTakes.userId })
        .from(coverTakes)
        .innerJoin(coverItems, eq(coverItems.id, coverTakes.itemId))
        .where(inArray(coverItems.visitId, c))
        .orderBy(asc(coverItems.visitId), asc(coverTakes.takenAt), asc(coverTakes.userId))
        .all(),
    ).map((r): [number, string] => [r.visitId, r.userId]),
  );
  const takeoversOf = group(
    chunked(ids, (c) =>
      db
        .select({ visitId: visitEvents.visitId, actor: visitEvents.actor })
        .from(visitEvents)
        .where(and(inArray(visitEvents.visitId, c), eq(visitEvents.action, 'takeover')))
        .orderBy(asc(visitEvents.visitId), asc(visitEvents.id))
        .all(),
    ).map((r): [number, string] => [r.visitId, r.actor ?? '']),
  );
  const iso = (ms: number | null) => (ms === null ? '' : dayjs(ms).tz(zone).format('YYYY-MM-DDTHH:mm:ssZ'));
  const list = (xs: readonly string[] | undefined) => [...new Set(xs ?? [])].filter(Boolean).join('; ');
  const records = rows.map(({ v, patchCode }) => {
    const fixed = v.kind === 'fixed';
    const cs = clientsOf.get(v.id) ?? [];
    const went = fixed ? [v.arrivedBy ?? '', v.doneBy ?? ''] : (carersOf.get(v.id) ?? []);
    const takers = takersOf.get(v.id) ?? [];
    const takeovers = takeoversOf.get(v.id) ?? [];
    const late = minutesLate(v);
    return [
      v.id,
      v.occursOn ?? localDate(v.startsAt ?? v.createdAt, zone),
      v.kind,
      patchCode,
      cs.map((c) => c.code).join('; '),
      cs.map((c) => c.name).join('; '),
      v.purpose,
      iso(v.startsAt),
      v.minutes ?? '',
      (fixed ? v.plannedAssignee : v.requestedBy) ?? '',
      list(went),
      iso(v.arrivedAt),
      iso(v.doneAt),
      late ?? '',
      outcomeOf(v),
      v.closeReason ?? '',
      takers.length > 0 ? 'yes' : 'no',
      list(takers),
      takeovers.length > 0 ? 'yes' : 'no',
      list(takeovers),
    ];
  });
  const csv = stringify(records, {
    header: true,
    columns: [...VISIT_EXPORT_COLUMNS],
    record_delimiter: '\r\n',
  });
  return { ok: true, csv, visits: records.length };
}
