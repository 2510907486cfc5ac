CREATE TABLE `report_figures` (
	`week` text NOT NULL,
	`patch_id` integer NOT NULL,
	`summary` text NOT NULL,
	`computed_at` integer NOT NULL,
	PRIMARY KEY(`week`, `patch_id`),
	FOREIGN KEY (`patch_id`) REFERENCES `patches`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
ALTER TABLE `cover_requests` ADD `withdrawn_by` text;--> statement-breakpoint
CREATE INDEX `cover_requests_person` ON `cover_requests` (`requested_by`,`to_at`);--> statement-breakpoint
ALTER TABLE `home_views` ADD `notice` text;--> statement-breakpoint
ALTER TABLE `home_views` ADD `notice_at` integer;--> statement-breakpoint
CREATE INDEX `cover_items_open` ON `cover_items` (`patch_id`) WHERE status = 'open';--> statement-breakpoint
CREATE INDEX `escalations_open` ON `escalations` (`raised_at`) WHERE status <> 'resolved';--> statement-breakpoint
CREATE INDEX `visits_alerted_day` ON `visits` (`occurs_on`) WHERE alert_level is not null;