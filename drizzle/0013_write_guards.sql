CREATE TABLE `write_guards` (
	`stale` integer NOT NULL,
	CONSTRAINT "version_moved" CHECK("write_guards"."stale" = 0)
);
