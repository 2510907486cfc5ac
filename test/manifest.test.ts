import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..');
/** Slack's published schema, kept beside the project in shared/ (slackapi/manifest-schema). */
const schemaDir = join(root, '..', 'shared', 'slack-manifest-schema');
const loadSchema = (name: string) => JSON.parse(readFileSync(join(schemaDir, name), 'utf8'));

describe('manifest.yml', () => {
  const manifest = parse(readFileSync(join(root, 'manifest.yml'), 'utf8'));

  it("validates against Slack's published manifest schema", () => {
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    const validate = ajv.compile(loadSchema('manifest.schema.1.0.0.json'));
    const ok = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check is not vacuous: a command without its slash is refused', () => {
    const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
    const validate = ajv.compile(loadSchema('manifest.schema.1.0.0.json'));
    const broken = structuredClone(manifest);
    broken.features.slash_commands[0].command = 'popback';
    expect(validate(broken)).toBe(false);
  });

  it('declares every slash command the app listens for, each with a description and usage hint', () => {
    const commands = manifest.features.slash_commands.map((c: { command: string }) => c.command);
    expect(commands).toEqual(expect.arrayContaining(['/popback', '/rota', '/medissue', '/oncall']));
    for (const c of manifest.features.slash_commands) {
      expect(c.description.length).toBeGreaterThan(0);
      expect(c.usage_hint).toBeDefined();
    }
  });

  it('has the message shortcut the app listens for', () => {
    expect(manifest.features.shortcuts).toEqual([
      expect.objectContaining({
        type: 'message',
        callback_id: 'raise_medissue',
        name: 'Raise medication issue',
      }),
    ]);
  });

  it('turns on interactivity and Socket Mode', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
  });
});
