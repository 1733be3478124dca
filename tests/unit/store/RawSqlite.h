// SPDX-License-Identifier: LGPL-2.1-or-later
// Test helpers that reach a database file around the Store, through the sqlite3 C API: build
// fixtures, read what the Store wrote, and compare files byte for byte. Each call opens and
// closes its own connection.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace bgtask::store::test {

// Runs an SQL script (a fixture, a schema tweak) against the file, creating it if missing.
void executeSql(const std::filesystem::path& file, const std::string& script);
// The first column of every row of a query, as text ("NULL" for NULL).
std::vector<std::string> queryColumn(const std::filesystem::path& file, const std::string& sql);
std::string readFileBytes(const std::filesystem::path& file);
std::string readTestData(const std::string& name);

} // namespace bgtask::store::test
