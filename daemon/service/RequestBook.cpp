// SPDX-License-Identifier: LGPL-2.1-or-later
#include "RequestBook.h"

#include <algorithm>

namespace bgtask::service {

void RequestBook::assign(std::vector<core::TaskRequest> requests)
{
    requests_ = std::move(requests);
    requests_.shrink_to_fit();   // loaded once at start; growth by doubling would keep ~2x
    std::sort(requests_.begin(), requests_.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
}

const core::TaskRequest* RequestBook::find(std::string_view app, std::string_view identifier) const
{
    for (const auto& r : requests_)
        if (r.app == app && r.identifier == identifier)
            return &r;
    return nullptr;
}

const core::TaskRequest* RequestBook::findById(std::int64_t id) const
{
    auto it = std::lower_bound(requests_.begin(), requests_.end(), id,
                               [](const auto& r, std::int64_t v) { return r.id < v; });
    return it != requests_.end() && it->id == id ? &*it : nullptr;
}

std::vector<const core::TaskRequest*> RequestBook::ofApp(std::string_view app) const
{
    std::vector<const core::TaskRequest*> out;
    for (const auto& r : requests_)
        if (r.app == app)
            out.push_back(&r);
    return out;
}

void RequestBook::upsert(core::TaskRequest request)
{
    erase(request.app, request.identifier);
    requests_.push_back(std::move(request));
}

bool RequestBook::erase(std::string_view app, std::string_view identifier)
{
    return std::erase_if(requests_, [&](const auto& r) {
               return r.app == app && r.identifier == identifier;
           }) > 0;
}

std::size_t RequestBook::eraseApp(std::string_view app)
{
    return std::erase_if(requests_, [&](const auto& r) { return r.app == app; });
}

bool RequestBook::eraseId(std::int64_t id)
{
    return std::erase_if(requests_, [&](const auto& r) { return r.id == id; }) > 0;
}

std::size_t RequestBook::clearUnreachable(std::string_view app)
{
    std::size_t cleared = 0;
    for (auto& r : requests_)
        if (r.app == app && r.unreachable) {
            r.unreachable.reset();
            ++cleared;
        }
    return cleared;
}

} // namespace bgtask::service
