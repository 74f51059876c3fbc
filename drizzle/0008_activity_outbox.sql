CREATE TABLE `activity_outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`at` text NOT NULL,
	`entry` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `activity_outbox_at` ON `activity_outbox` (`at`);