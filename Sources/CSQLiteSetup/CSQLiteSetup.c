#include "CSQLiteSetup.h"
#include <sqlite3.h>

int tdmock_sqlite_configure(void) {
    // No allocation statistics: with them, every sqlite3_malloc and sqlite3_free takes one process-wide
    // mutex, which the writer and the readers (and the two halves of the inbox scan) then contend for.
    // Debian's libsqlite3 keeps them on and has no lookaside allocator, so SQLite allocates a lot.
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
