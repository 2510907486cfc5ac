import { providerSettings, supervisors, taskNames } from '../patches/store.ts';
import { PRIORITY, type Renderer, type SubjectKind } from '../slack/outbox.ts';
import { loadVisit } from '../visits/store.ts';
import { taskCodes } from './model.ts';
import { visitDate } from './service.ts';
import { getSignoff, missingSignoffs, signoffsOf } from './store.ts';
import {
  lapseMessage,
  reminderMessage,
  signedMessage,
  supervisorsReminder,
  withdrawnMessage,
} from './views.ts';

/**
 * The messages competencies keep in Slack, each drawn from the database as it is now:
 * `competence:signed:<signoff>`, `competence:withdrawn:<signoff>` and `competence:remind:<signoff>` in
 * the assistant's direct messages, `competence:remind-sup:<signoff>` and `competence:lapse:<visit>` in
 * the supervisors' channel.
 */

const ID = /^\d{1,12}$/;

/** Renders every `competence:` subject. */
export const renderCompetence: Renderer = (db, subject) => {
  const [, kind, rawId] = subject.split(':');
  if (!rawId || !ID.test(rawId)) return null;
  const id = Number(rawId);
  if (kind === 'lapse') {
    const rec = loadVisit(db, id);
    const v = rec?.visit;
    if (!rec || !v || v.startsAt === null) return null;
    const zone = providerSettings(db).timezone;
    const names = taskNames(db);
    const codes = taskCodes(v.requiredTasks);
    const date = visitDate(v, zone);
    return lapseMessage({
      visitId: v.id,
      clientName: rec.clients[0]?.name ?? '',
      purpose: v.purpose,
      date,
      startsAt: v.startsAt,
      zone,
      patchName: rec.patch.name,
      patchChannel: rec.patch.channelId,
      status: v.status,
      assignee: v.assignee,
      needs: codes.map((c) => names.get(c) ?? c),
      missing: v.assignee ? missingSignoffs(db, v.assignee, codes, date) : [],
    });
  }
  const s = getSignoff(db, id);
  if (!s) return null;
  const taskName = taskNames(db).get(s.taskCode) ?? s.taskCode;
  switch (kind) {
    case 'signed':
      return signedMessage({
        userId: s.userId,
        taskName,
        expiresOn: s.expiresOn,
        signedBy: s.signedBy,
        // Renewed: they had a sign-off for this task before this one.
        renewed: signoffsOf(db, s.userId).some((o) => o.taskCode === s.taskCode && o.id < s.id),
      });
    case 'withdrawn':
      return withdrawnMessage({ taskName, withdrawnBy: s.withdrawnBy });
    case 'remind':
    case 'remind-sup': {
      const data = {
        userId: s.userId,
        taskName,
        expiresOn: s.expiresOn,
        signedBy: s.signedBy,
        supervisors: supervisors(db),
      };
      return kind === 'remind' ? reminderMessage(data) : supervisorsReminder(data);
    }
    default:
      return null;
  }
};

export const competenceSubjects: SubjectKind[] = [
  { prefix: 'competence:', priority: PRIORITY.card, render: renderCompetence },
];
