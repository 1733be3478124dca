// SPDX-License-Identifier: LGPL-2.1-or-later
// The example's "network": *.feed files in a directory, each a title line followed by one item
// per line. Reading them stands in for fetching feeds from servers.
#pragma once

#include <filesystem>
#include <stop_token>
#include <string>
#include <vector>

namespace feeds {

struct Feed {
    std::string title;               // the first line, or the file's stem when it is empty
    std::vector<std::string> items;  // the other non-empty lines
};

Feed readFeedFile(const std::filesystem::path& path);
// Every *.feed file of dir, in name order; stops early (returning what it has) when asked to.
// A missing directory reads as no feeds.
std::vector<Feed> readFeedDirectory(const std::filesystem::path& dir, std::stop_token stop);

} // namespace feeds
