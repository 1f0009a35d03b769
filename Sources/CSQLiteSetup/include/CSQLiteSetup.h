#ifndef CSQLITESETUP_H
#define CSQLITESETUP_H

/// Process-wide SQLite settings that must be made before the first connection opens (sqlite3_config is
/// variadic, so Swift cannot call it). Answers SQLITE_OK, or SQLITE_MISUSE once SQLite is initialised.
int tdmock_sqlite_configure(void);

#endif
