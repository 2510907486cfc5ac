ALTER TABLE `visits` ADD `rev` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `visits` ADD `alert_level` text;--> statement-breakpoint
ALTER TABLE `visits` ADD `late_at` integer;--> statement-breakpoint
ALTER TABLE `visits` ADD `missed_at` integer;--> statement-breakpoint
ALTER TABLE `visits` ADD `on_way_by` text;--> statement-breakpoint
ALTER TABLE `visits` ADD `on_way_at` integer;--> statement-breakpoint
ALTER TABLE `visits` ADD `nudged_at` integer;--> statement-breakpoint
ALTER TABLE `visits` ADD `escalated_at` integer;--> statement-breakpoint
CREATE INDEX `visits_day` ON `visits` (`patch_id`,`occurs_on`);