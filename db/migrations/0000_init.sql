CREATE TABLE `clients` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`code` text NOT NULL,
	`patch_id` integer NOT NULL,
	`name` text NOT NULL,
	`key_worker` text,
	`archived_at` integer,
	FOREIGN KEY (`patch_id`) REFERENCES `patches`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `clients_code_unique` ON `clients` (`code`);--> statement-breakpoint
CREATE INDEX `clients_patch` ON `clients` (`patch_id`);--> statement-breakpoint
CREATE TABLE `patch_assistants` (
	`patch_id` integer NOT NULL,
	`user_id` text NOT NULL,
	PRIMARY KEY(`patch_id`, `user_id`),
	FOREIGN KEY (`patch_id`) REFERENCES `patches`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `patch_assistants_user` ON `patch_assistants` (`user_id`);--> statement-breakpoint
CREATE TABLE `patches` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`code` text NOT NULL,
	`name` text NOT NULL,
	`channel_id` text NOT NULL,
	`max_clients` integer DEFAULT 10 NOT NULL,
	`digest_at` text DEFAULT '07:00' NOT NULL,
	`settings` text DEFAULT '{}' NOT NULL,
	`archived_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `patches_code_unique` ON `patches` (`code`);--> statement-breakpoint
CREATE UNIQUE INDEX `patches_channel_id_unique` ON `patches` (`channel_id`);--> statement-breakpoint
CREATE TABLE `plans` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`client_id` integer NOT NULL,
	`position` integer NOT NULL,
	`at` text NOT NULL,
	`days` text NOT NULL,
	`minutes` integer NOT NULL,
	`purpose` text NOT NULL,
	`time_critical` integer DEFAULT false NOT NULL,
	`carers` integer DEFAULT 1 NOT NULL,
	`settings` text DEFAULT '{}' NOT NULL,
	`archived_at` integer,
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `plans_client_position` ON `plans` (`client_id`,`position`);--> statement-breakpoint
CREATE TABLE `provider` (
	`id` integer PRIMARY KEY NOT NULL,
	`timezone` text NOT NULL,
	`supervisors_channel` text,
	`settings` text DEFAULT '{}' NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `roles` (
	`user_id` text NOT NULL,
	`role` text NOT NULL,
	PRIMARY KEY(`user_id`, `role`)
);
--> statement-breakpoint
CREATE TABLE `slack_messages` (
	`subject` text PRIMARY KEY NOT NULL,
	`channel` text NOT NULL,
	`thread_subject` text,
	`ts` text,
	`post_started_at` integer,
	`want_rev` integer DEFAULT 1 NOT NULL,
	`done_rev` integer DEFAULT 0 NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `slack_messages_pending` ON `slack_messages` (`next_attempt_at`) WHERE want_rev > done_rev;--> statement-breakpoint
CREATE TABLE `visit_carers` (
	`visit_id` integer NOT NULL,
	`user_id` text NOT NULL,
	`claimed_at` integer NOT NULL,
	PRIMARY KEY(`visit_id`, `user_id`),
	FOREIGN KEY (`visit_id`) REFERENCES `visits`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `visit_clients` (
	`visit_id` integer NOT NULL,
	`client_id` integer NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`visit_id`, `client_id`),
	FOREIGN KEY (`visit_id`) REFERENCES `visits`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`client_id`) REFERENCES `clients`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `visit_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`visit_id` integer NOT NULL,
	`at` integer NOT NULL,
	`actor` text,
	`action` text NOT NULL,
	FOREIGN KEY (`visit_id`) REFERENCES `visits`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `visit_events_visit` ON `visit_events` (`visit_id`);--> statement-breakpoint
CREATE TABLE `visits` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`patch_id` integer NOT NULL,
	`kind` text NOT NULL,
	`plan_id` integer,
	`occurs_on` text,
	`starts_at` integer,
	`minutes` integer,
	`purpose` text NOT NULL,
	`urgency` text,
	`time_critical` integer DEFAULT false NOT NULL,
	`carers_needed` integer DEFAULT 1 NOT NULL,
	`requested_by` text,
	`assignee` text,
	`status` text DEFAULT 'open' NOT NULL,
	`created_at` integer NOT NULL,
	`arrived_at` integer,
	`arrived_by` text,
	`done_at` integer,
	`done_by` text,
	`closed_at` integer,
	`closed_by` text,
	`close_reason` text,
	FOREIGN KEY (`patch_id`) REFERENCES `patches`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`plan_id`) REFERENCES `plans`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `visits_patch_status` ON `visits` (`patch_id`,`status`);--> statement-breakpoint
CREATE UNIQUE INDEX `visits_plan_day` ON `visits` (`plan_id`,`occurs_on`);--> statement-breakpoint
CREATE INDEX `visits_starts_at` ON `visits` (`starts_at`);