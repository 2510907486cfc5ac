DROP INDEX `slack_messages_pending`;--> statement-breakpoint
ALTER TABLE `slack_messages` ADD `pending_since` integer;--> statement-breakpoint
ALTER TABLE `slack_messages` ADD `parked_at` integer;--> statement-breakpoint
CREATE INDEX `slack_messages_waiting` ON `slack_messages` (`pending_since`) WHERE pending_since is not null;--> statement-breakpoint
CREATE INDEX `slack_messages_pending` ON `slack_messages` (`next_attempt_at`) WHERE want_rev > done_rev and parked_at is null;--> statement-breakpoint
UPDATE `slack_messages` SET `pending_since` = `next_attempt_at` WHERE `want_rev` > `done_rev`;
