// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Statement.h"

#include "Database.h"

#include "../core/Error.h"

#include <sqlite3.h>

#include <string>
#include <utility>

namespace bgtask::store {

namespace {

// Error messages quote the statement, shortened to its first line-ish.
std::string abbreviate(std::string_view sql)
{
    std::string out;
    bool space = false;
    for (char c : sql) {
        const bool isSpace = c == ' ' || c == '\n' || c == '\t' || c == '\r';
        if (isSpace) {
            space = !out.empty();
            continue;
        }
        if (space)
            out += ' ';
        space = false;
        out += c;
        if (out.size() >= 60) {
            out += "…";
            break;
        }
    }
    return out;
}

} // namespace

Statement::~Statement()
{
    sqlite3_finalize(stmt_);
}

Statement::Statement(Statement&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept
{
    if (this != &other) {
        sqlite3_finalize(stmt_);
        stmt_ = std::exchange(other.stmt_, nullptr);
    }
    return *this;
}

void Statement::fail(std::string_view what) const
{
    throwStoreFailed(sqlite3_db_handle(stmt_), std::string(what) + " `" + abbreviate(sql()) + "`");
}

Statement& Statement::bind(int index, std::int64_t value)
{
    if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK)
        fail("bind");
    return *this;
}

Statement& Statement::bind(int index, bool value)
{
    return bind(index, std::int64_t{value ? 1 : 0});
}

Statement& Statement::bind(int index, std::string_view value)
{
    // SQLITE_TRANSIENT: SQLite copies the text, so the caller's string may go away before step().
    // A null data pointer would bind NULL, so an empty view binds "" explicitly.
    const char* data = value.data() != nullptr ? value.data() : "";
    if (sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8) !=
        SQLITE_OK)
        fail("bind");
    return *this;
}

Statement& Statement::bindNull(int index)
{
    if (sqlite3_bind_null(stmt_, index) != SQLITE_OK)
        fail("bind");
    return *this;
}

bool Statement::step()
{
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE) {
        sqlite3_reset(stmt_);
        return false;
    }
    // sqlite3_reset returns the same error again; the connection's message is still the step's.
    std::string message = std::string("run `") + abbreviate(sql()) + "`";
    sqlite3* db = sqlite3_db_handle(stmt_);
    std::string detail = sqlite3_errmsg(db);
    const int code = sqlite3_extended_errcode(db);
    sqlite3_reset(stmt_);
    throw storeError(db, code, message + ": " + detail);
}

void Statement::run()
{
    while (step()) {
    }
}

void Statement::reset()
{
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

bool Statement::isNull(int column) const
{
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::int64At(int column) const
{
    return sqlite3_column_int64(stmt_, column);
}

Statement& Statement::bindBlob(int index, const std::vector<std::uint8_t>& bytes)
{
    // A zero-length blob with a null pointer would bind NULL: bind an empty one explicitly.
    static const std::uint8_t kEmpty = 0;
    const void* data = bytes.empty() ? &kEmpty : bytes.data();
    if (sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_TRANSIENT) != SQLITE_OK)
        fail("bind");
    return *this;
}

std::vector<std::uint8_t> Statement::blobAt(int column) const
{
    const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
    if (data == nullptr)
        return {};
    return {data, data + size};
}

std::string Statement::textAt(int column) const
{
    // Text first, then its length: the documented order that avoids a conversion in between.
    const auto* text = sqlite3_column_text(stmt_, column);
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
    if (text == nullptr)
        return {};
    return std::string(reinterpret_cast<const char*>(text), size);
}

std::optional<std::int64_t> Statement::optionalInt64At(int column) const
{
    if (isNull(column))
        return std::nullopt;
    return int64At(column);
}

std::optional<bool> Statement::optionalBoolAt(int column) const
{
    if (isNull(column))
        return std::nullopt;
    return boolAt(column);
}

std::optional<std::string> Statement::optionalTextAt(int column) const
{
    if (isNull(column))
        return std::nullopt;
    return textAt(column);
}

std::string_view Statement::sql() const
{
    const char* text = sqlite3_sql(stmt_);
    return text != nullptr ? std::string_view(text) : std::string_view();
}

} // namespace bgtask::store
