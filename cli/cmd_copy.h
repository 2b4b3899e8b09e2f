/*
 * cmd_copy.h - avroreg copy: one registry's database into another, through
 * the storage interface (storage/store.h), e.g. an embedded SQLite registry
 * onto PostgreSQL for several nodes:
 *
 *   avroreg copy --from sqlite:./data/registry.db --to postgresql://user@host/registry
 *
 * Exit codes as cli.h: 0 copied, 2 usage, a database that cannot be opened or
 * read, a target that is not empty, or a failed write (nothing of it stays).
 */
#ifndef SR_CLI_CMD_COPY_H
#define SR_CLI_CMD_COPY_H

int cmd_copy(int argc, char **argv);
void help_copy(void);

#endif
