/**
 * A failure the operator must act on, already worded as one plain line (`DATABASE_PATH /x: permission
 * denied`). The CLI prints it as it is and exits non-zero; anything else is reported as "unexpected".
 */
export class Fatal extends Error {
  override name = 'Fatal';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(oneLine(message));
  }
}

/** The first line of a message, trimmed and clipped: what fits a terminal line or a log field. */
export function oneLine(message: string, max = 300): string {
  const first = message.split(/\r?\n/, 1)[0]?.trim() ?? '';
  return first.length <= max ? first : `${first.slice(0, max - 1)}…`;
}

/** Node's file-system error codes, in words an operator can act on. */
export function fsProblem(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or folder';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a folder, not a file';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
      return 'the disk is full';
    case 'EEXIST':
      return 'already exists';
    default:
      return err instanceof Error ? oneLine(err.message) : String(err);
  }
}
