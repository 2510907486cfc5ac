import { eq } from 'drizzle-orm';
import type { Db } from '../../db/index.ts';
import { plans } from '../../db/schema.ts';
import { type Thresholds, thresholdsFromSettings } from '../patches/model.ts';
import { getPatch, providerSettings } from '../patches/store.ts';

/** The threshold levels that apply to a visit, least to most specific: provider, patch, plan. */
export function thresholdLevels(db: Db, visit: { patchId: number; planId: number | null }): Thresholds[] {
  const provider = providerSettings(db).thresholds;
  const patch = getPatch(db, visit.patchId)?.thresholds ?? {};
  if (visit.planId === null) return [provider, patch];
  const plan = db.select({ settings: plans.settings }).from(plans).where(eq(plans.id, visit.planId)).get();
  return [provider, patch, thresholdsFromSettings(plan?.settings ?? '{}')];
}
