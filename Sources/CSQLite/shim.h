#ifndef MODELSERVE_CSQLITE_SHIM_H
#define MODELSERVE_CSQLITE_SHIM_H
#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer; Swift cannot import it.
static inline sqlite3_destructor_type modelserve_sqlite_transient(void) { return SQLITE_TRANSIENT; }

// sqlite3_bind_text/blob wrappers that use SQLITE_TRANSIENT, for the same reason.
static inline int modelserve_sqlite_bind_text(sqlite3_stmt *s, int i, const char *p, int n) {
    return sqlite3_bind_text(s, i, p, n, SQLITE_TRANSIENT);
}
static inline int modelserve_sqlite_bind_blob(sqlite3_stmt *s, int i, const void *p, int n) {
    return sqlite3_bind_blob(s, i, p, n, SQLITE_TRANSIENT);
}
// Text the caller keeps alive and unchanged until the statement is reset (SQLITE_STATIC):
// a batch's texts are bound from one buffer instead of SQLite copying each.
static inline int modelserve_sqlite_bind_text_static(sqlite3_stmt *s, int i, const char *p, int n) {
    return sqlite3_bind_text(s, i, p, n, SQLITE_STATIC);
}
static inline int modelserve_sqlite_bind_blob_static(sqlite3_stmt *s, int i, const void *p, int n) {
    return sqlite3_bind_blob(s, i, p, n, SQLITE_STATIC);
}
#endif
