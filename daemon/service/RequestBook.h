// SPDX-License-Identifier: LGPL-2.1-or-later
// The in-memory mirror of the pending requests in the store, kept in submission (id) order so
// the planner can read it as one contiguous span. The store is the truth: after a failed commit
// the book is reloaded from it.
#pragma once

#include "core/TaskRequest.h"

#include <span>
#include <string_view>
#include <vector>

namespace bgtask::service {

class RequestBook {
public:
    void assign(std::vector<core::TaskRequest> requests);
    std::span<const core::TaskRequest> all() const { return requests_; }
    std::size_t size() const { return requests_.size(); }

    const core::TaskRequest* find(std::string_view app, std::string_view identifier) const;
    const core::TaskRequest* findById(std::int64_t id) const;
    std::vector<const core::TaskRequest*> ofApp(std::string_view app) const;

    // Inserts (replacing any request with the same app and identifier); the id must be newer
    // than every id in the book.
    void upsert(core::TaskRequest request);
    bool erase(std::string_view app, std::string_view identifier);
    std::size_t eraseApp(std::string_view app);
    bool eraseId(std::int64_t id);
    // The app registered: its requests that waited for it to be reachable may launch again.
    // Returns how many did.
    std::size_t clearUnreachable(std::string_view app);

private:
    std::vector<core::TaskRequest> requests_;
};

} // namespace bgtask::service
