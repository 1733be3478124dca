// SPDX-License-Identifier: LGPL-2.1-or-later
// The example's own SQLite cache of feed items: table items(feed, item, fetched_at), upserted
// on every refresh. Owns its database connection; one instance per refresh.
#pragma once

#include "FeedFile.h"

#include <chrono>
#include <filesystem>
#include <stop_token>
#include <vector>

struct sqlite3;

namespace feeds {

class FeedCache {
public:
    // Creates the file, its directory and the table as needed. Throws std::runtime_error.
    explicit FeedCache(const std::filesystem::path& file);
    ~FeedCache();
    FeedCache(const FeedCache&) = delete;
    FeedCache& operator=(const FeedCache&) = delete;

    // Upserts every item in one transaction, checking `stop` between feeds: when stop is
    // requested the transaction is rolled back and 0 returned. Returns the number of items stored.
    std::size_t store(const std::vector<Feed>& feeds, std::chrono::system_clock::time_point fetchedAt,
                      std::stop_token stop);
    std::size_t itemCount();

private:
    void exec(const char* sql);

    sqlite3* db_ = nullptr;
};

} // namespace feeds
