// SPDX-License-Identifier: LGPL-2.1-or-later
// One prepared SQLite statement: binds parameters, steps through rows and reads columns. Owns the
// sqlite3_stmt (finalized on destruction); borrows the connection of the Database that prepared
// it, which must outlive it. Every SQLite failure becomes core::Error(Internal, "store-failed").
#pragma once

#include "core/Atom.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3_stmt;

namespace bgtask::store {

class Statement {
public:
    explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}
    ~Statement();
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Parameters are numbered from 1, as in the SQL text (?1, ?2, …).
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, bool value);
    Statement& bind(int index, std::string_view value);
    Statement& bindNull(int index);
    Statement& bindBlob(int index, const std::vector<std::uint8_t>& bytes);
    template <typename T>
    Statement& bind(int index, const std::optional<T>& value)
    {
        return value ? bind(index, *value) : bindNull(index);
    }
    // Without these, a string literal would pick bind(bool) and an int would be ambiguous.
    Statement& bind(int index, const char* value) { return bind(index, std::string_view(value)); }
    Statement& bind(int index, const std::string& value) { return bind(index, std::string_view(value)); }
    Statement& bind(int index, int value) { return bind(index, std::int64_t{value}); }
    Statement& bind(int index, const core::Atom& value) { return bind(index, value.view()); }

    // true: a row is available. false: done; the statement is reset and can run again.
    // On error the statement is reset too, so a cached statement is always reusable.
    bool step();
    // Steps to completion (rows, if any, are ignored) and resets.
    void run();
    // Back to the start, with every parameter unbound (NULL).
    void reset();

    bool isNull(int column) const;
    std::int64_t int64At(int column) const;
    bool boolAt(int column) const { return int64At(column) != 0; }
    std::string textAt(int column) const;
    std::vector<std::uint8_t> blobAt(int column) const;
    std::optional<std::int64_t> optionalInt64At(int column) const;
    std::optional<bool> optionalBoolAt(int column) const;
    std::optional<std::string> optionalTextAt(int column) const;

    // The SQL text, for error messages.
    std::string_view sql() const;

private:
    [[noreturn]] void fail(std::string_view what) const;

    sqlite3_stmt* stmt_ = nullptr;
};

} // namespace bgtask::store
