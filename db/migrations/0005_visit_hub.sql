CREATE TABLE `seen_requests` (
	`key` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `seen_requests_at` ON `seen_requests` (`at`);--> statement-breakpoint
ALTER TABLE `patches` ADD `visits_through` text;--> statement-breakpoint
ALTER TABLE `patches` ADD `roll_due_at` integer;--> statement-breakpoint
ALTER TABLE `patches` ADD `digest_due_at` integer;--> statement-breakpoint
CREATE INDEX `patches_roll_due` ON `patches` (`roll_due_at`);--> statement-breakpoint
CREATE INDEX `patches_digest_due` ON `patches` (`digest_due_at`);--> statement-breakpoint
ALTER TABLE `plans` ADD `known_at` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `slack_messages` ADD `priority` integer DEFAULT 2 NOT NULL;--> statement-breakpoint
ALTER TABLE `visits` ADD `alert_due_at` integer;--> statement-breakpoint
CREATE INDEX `visits_alert_due` ON `visits` (`alert_due_at`) WHERE alert_due_at is not null;--> statement-breakpoint
-- Visits open before this version have no due instant yet: the alerts look at each once and set it.
UPDATE `visits` SET `alert_due_at` = coalesce(`starts_at`, `created_at`) WHERE `status` = 'open' AND `arrived_at` IS NULL AND ((`kind` = 'fixed' AND (`alert_level` IS NULL OR `alert_level` <> 'missed')) OR (`kind` <> 'fixed' AND `escalated_at` IS NULL));
