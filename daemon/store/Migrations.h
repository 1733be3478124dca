// SPDX-License-Identifier: LGPL-2.1-or-later
// The schema's history: an ordered list of steps, step N turning a version N-1 database into a
// version N one, and migrate(), which applies the missing steps in one transaction and records
// the version in PRAGMA user_version. Borrows the Database; owns nothing. To change the schema,
// append a step (never edit a released one) and commit a fixture of the previous version.
#pragma once

#include <span>
#include <string_view>

namespace bgtask::store {

class Database;

struct Migration {
    int version;              // the user_version once this step is applied; 1, 2, 3, … in order
    std::string_view script;  // parameterless SQL, possibly several statements
};

// The product's steps, oldest first.
std::span<const Migration> migrations();
// The version a database has after every step: steps.back().version, 0 for no steps.
int latestVersion(std::span<const Migration> steps);

// Brings db from its user_version up to latestVersion(steps), applying the steps after it in
// order, all in one transaction. Throws core::Error(Internal, …):
//  "schema-too-new"   the database is newer than the steps know; nothing is touched;
//  "migration-failed" a step failed; the transaction is rolled back, the file keeps its version;
//  "store-failed"     the version could not be read (for instance, not a database).
// Foreign keys are not enforced while steps run (table rebuilds need that) but are checked with
// PRAGMA foreign_key_check before the commit; the connection's setting is restored afterwards.
void migrate(Database& db, std::span<const Migration> steps);

} // namespace bgtask::store
