CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor` text,
	`entity` text NOT NULL,
	`entity_id` text NOT NULL,
	`action` text NOT NULL,
	`before` text,
	`after` text
);
--> statement-breakpoint
CREATE INDEX `audit_log_entity` ON `audit_log` (`entity`,`entity_id`);--> statement-breakpoint
CREATE TABLE `cover_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`request_id` integer NOT NULL,
	`visit_id` integer NOT NULL,
	`patch_id` integer NOT NULL,
	`slots` integer DEFAULT 1 NOT NULL,
	`status` text DEFAULT 'open' NOT NULL,
	`escalate_at` integer,
	`escalated_at` integer,
	`covered_at` integer,
	FOREIGN KEY (`request_id`) REFERENCES `cover_requests`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`visit_id`) REFERENCES `visits`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`patch_id`) REFERENCES `patches`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `cover_items_escalate` ON `cover_items` (`escalate_at`) WHERE escalate_at is not null;--> statement-breakpoint
CREATE INDEX `cover_items_visit` ON `cover_items` (`visit_id`);--> statement-breakpoint
CREATE INDEX `cover_items_request` ON `cover_items` (`request_id`);--> statement-breakpoint
CREATE TABLE `cover_requests` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`requested_by` text NOT NULL,
	`from_at` integer NOT NULL,
	`to_at` integer NOT NULL,
	`note` text,
	`created_at` integer NOT NULL,
	`withdrawn_at` integer
);
--> statement-breakpoint
CREATE TABLE `cover_takes` (
	`item_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`taken_at` integer NOT NULL,
	`assigned_by` text,
	PRIMARY KEY(`item_id`, `user_id`),
	FOREIGN KEY (`item_id`) REFERENCES `cover_items`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `home_views` (
	`user_id` text PRIMARY KEY NOT NULL,
	`opened_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `home_views_opened` ON `home_views` (`opened_at`);--> statement-breakpoint
CREATE TABLE `plan_tasks` (
	`plan_id` integer NOT NULL,
	`task_code` text NOT NULL,
	PRIMARY KEY(`plan_id`, `task_code`),
	FOREIGN KEY (`plan_id`) REFERENCES `plans`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`task_code`) REFERENCES `tasks`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `signoffs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` text NOT NULL,
	`task_code` text NOT NULL,
	`signed_by` text NOT NULL,
	`signed_at` integer NOT NULL,
	`expires_on` text NOT NULL,
	`withdrawn_by` text,
	`withdrawn_at` integer,
	`reminded_at` integer,
	FOREIGN KEY (`task_code`) REFERENCES `tasks`(`code`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `signoffs_user_task` ON `signoffs` (`user_id`,`task_code`);--> statement-breakpoint
CREATE TABLE `tasks` (
	`code` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`archived_at` integer
);
--> statement-breakpoint
ALTER TABLE `provider` ADD `report_due_at` integer;--> statement-breakpoint
ALTER TABLE `provider` ADD `competence_due_at` integer;--> statement-breakpoint
ALTER TABLE `visits` ADD `planned_assignee` text;--> statement-breakpoint
ALTER TABLE `visits` ADD `required_tasks` text DEFAULT '' NOT NULL;--> statement-breakpoint
-- Visits made before this version: their planned carer is the one they have.
UPDATE `visits` SET `planned_assignee` = `assignee` WHERE `kind` = 'fixed';
