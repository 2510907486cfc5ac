import { z } from 'zod';

/**
 * Our own zod schema of the Slack app manifest fields patchbot may use, written from the limits Slack
 * documents for its v1 manifest (https://docs.slack.dev/reference/app-manifest). It is not Slack's
 * schema and not a copy of it: only the fields listed here are allowed (every object is strict, so a
 * misspelt or unknown key fails), each with the limits Slack states. To use another documented field
 * (unfurl_domains, redirect_urls, …), add it here with its documented limits.
 */

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  .max(3000, 'must be at most 3000 characters');

/** Scope names: `commands`, `chat:write`, `chat:write.public`, `metadata.message:read`, … */
const scopeName = z.string().regex(/^[a-z][a-z_.]*(:[a-z_.]+)?$/, 'is not a scope name (such as chat:write)');

const scopeList = z
  .array(scopeName)
  .max(255, 'at most 255 scopes')
  .refine((s) => new Set(s).size === s.length, 'lists a scope twice');

export const SlashCommand = z.strictObject({
  command: z
    .string()
    .min(2, 'must be 2 to 32 characters')
    .max(32, 'must be 2 to 32 characters')
    .regex(/^\//, 'must start with /'),
  description: z.string().min(1).max(2000),
  usage_hint: z.string().max(1000).optional(),
  /** The request URL; omitted in Socket Mode, where commands arrive over the socket. */
  url: httpUrl.optional(),
  should_escape: z.boolean().optional(),
});

export const Shortcut = z.strictObject({
  name: z.string().min(1).max(24, 'must be at most 24 characters'),
  type: z.enum(['global', 'message']),
  callback_id: z.string().min(1).max(255),
  description: z.string().min(1).max(150),
});

export const MetadataSubscription = z.strictObject({
  app_id: z.string().min(1),
  event_type: z.string().min(1),
});

export const Manifest = z
  .strictObject({
    _metadata: z
      .strictObject({
        major_version: z.union([z.literal(1), z.literal(2)]).optional(),
        minor_version: z.number().int().nonnegative().optional(),
      })
      .optional(),
    display_information: z.strictObject({
      name: z.string().min(1).max(35, 'must be 1 to 35 characters'),
      description: z.string().max(140, 'must be at most 140 characters').optional(),
      long_description: z
        .string()
        .min(175, 'must be 175 to 4000 characters')
        .max(4000, 'must be 175 to 4000 characters')
        .optional(),
      background_color: z
        .string()
        .min(4)
        .max(7)
        .regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'must be a #hex colour such as #2e5e4e')
        .optional(),
    }),
    features: z
      .strictObject({
        bot_user: z
          .strictObject({
            display_name: z.string().min(1).max(80),
            always_online: z.boolean().optional(),
          })
          .optional(),
        app_home: z
          .strictObject({
            home_tab_enabled: z.boolean().optional(),
            messages_tab_enabled: z.boolean().optional(),
            messages_tab_read_only_enabled: z.boolean().optional(),
          })
          .optional(),
        slash_commands: z.array(SlashCommand).min(1).max(50).optional(),
        shortcuts: z.array(Shortcut).min(1).max(10).optional(),
      })
      .optional(),
    oauth_config: z
      .strictObject({
        scopes: z
          .strictObject({
            bot: scopeList.optional(),
            user: scopeList.optional(),
          })
          .optional(),
      })
      .optional(),
    settings: z
      .strictObject({
        interactivity: z
          .strictObject({
            is_enabled: z.boolean(),
            request_url: httpUrl.optional(),
            message_menu_options_url: httpUrl.optional(),
          })
          .optional(),
        event_subscriptions: z
          .strictObject({
            request_url: httpUrl.optional(),
            bot_events: z.array(z.string().min(1)).max(100).optional(),
            user_events: z.array(z.string().min(1)).optional(),
            metadata_subscriptions: z.array(MetadataSubscription).optional(),
          })
          .optional(),
        socket_mode_enabled: z.boolean().optional(),
        org_deploy_enabled: z.boolean().optional(),
        token_rotation_enabled: z.boolean().optional(),
      })
      .optional(),
  })
  .superRefine((m, ctx) => {
    // Over HTTP, Slack needs to know where to send each kind of request.
    if (m.settings?.socket_mode_enabled) return;
    m.features?.slash_commands?.forEach((c, i) => {
      if (!c.url)
        ctx.addIssue({
          code: 'custom',
          path: ['features', 'slash_commands', i, 'url'],
          message: 'is required unless Socket Mode is on',
        });
    });
    if (m.settings?.interactivity?.is_enabled && !m.settings.interactivity.request_url)
      ctx.addIssue({
        code: 'custom',
        path: ['settings', 'interactivity', 'request_url'],
        message: 'is required when interactivity is on, unless Socket Mode is on',
      });
    const events = m.settings?.event_subscriptions;
    if (events && (events.bot_events?.length || events.user_events?.length) && !events.request_url)
      ctx.addIssue({
        code: 'custom',
        path: ['settings', 'event_subscriptions', 'request_url'],
        message: 'is required when events are subscribed, unless Socket Mode is on',
      });
  });

export type Manifest = z.infer<typeof Manifest>;

/** The issues as `path: message` lines, for readable test failures. */
export function manifestIssues(value: unknown): string[] {
  const result = Manifest.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}
