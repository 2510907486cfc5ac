CREATE TABLE `escalation_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`escalation_id` integer NOT NULL,
	`at` integer NOT NULL,
	`actor` text,
	`action` text NOT NULL,
	`detail` text,
	FOREIGN KEY (`escalation_id`) REFERENCES `escalations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `escalation_events_escalation` ON `escalation_events` (`escalation_id`);--> statement-breakpoint
CREATE TABLE `escalations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`patch_id` integer NOT NULL,
	`client_id` integer,
	`visit_id` integer,
	`what` text,
	`time_critical` integer DEFAULT false NOT NULL,
	`urgency` text NOT NULL,
	`note` text,
	`raised_by` text,
	`raised_at` integer NOT NULL,
	`source` text NOT NULL,
	`patch_thread_ts` text,
	`status` text DEFAULT 'open' NOT NULL,
	`step` integer DEFAULT 0 NOT NULL,
	`round` integer DEFAULT 1 NOT NULL,
	`next_at` integer,
	`acked_by` text,
	`acked_at` integer,
	`reminded_at` integer,
	`resolved_by` text,
	`resolved_at` integer,
	`outcome` text,
	`outcome_note` text,
	FOREIGN KEY (`patch_id`) REFERENCES `patches`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`visit_id`) REFERENCES `visits`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `escalations_next` ON `escalations` (`next_at`);--> statement-breakpoint
CREATE INDEX `escalations_visit` ON `escalations` (`visit_id`);--> statement-breakpoint
CREATE TABLE `oncall_shifts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`days` text,
	`date` text,
	`from` text NOT NULL,
	`to` text NOT NULL,
	`user_id` text NOT NULL,
	`position` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `slack_messages` ADD `thread_ts` text;