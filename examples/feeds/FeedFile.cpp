// SPDX-License-Identifier: LGPL-2.1-or-later
#include "FeedFile.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>

namespace feeds {
namespace {

std::string trimmed(const std::string& line)
{
    const auto begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos)
        return {};
    const auto end = line.find_last_not_of(" \t\r");
    return line.substr(begin, end - begin + 1);
}

} // namespace

Feed readFeedFile(const std::filesystem::path& path)
{
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error("cannot open " + path.string());
    Feed feed;
    std::string line;
    if (std::getline(in, line))
        feed.title = trimmed(line);
    if (feed.title.empty())
        feed.title = path.stem().string();
    while (std::getline(in, line))
        if (auto item = trimmed(line); !item.empty())
            feed.items.push_back(std::move(item));
    return feed;
}

std::vector<Feed> readFeedDirectory(const std::filesystem::path& dir, std::stop_token stop)
{
    std::vector<std::filesystem::path> files;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir, error))
        if (entry.is_regular_file() && entry.path().extension() == ".feed")
            files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    std::vector<Feed> feeds;
    for (const auto& file : files) {
        if (stop.stop_requested())
            break;
        feeds.push_back(readFeedFile(file));
    }
    return feeds;
}

} // namespace feeds
