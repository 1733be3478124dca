// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Atom.h"

#include <atomic>
#include <mutex>
#include <unordered_set>

namespace bgtask::core {

struct Atom::Entry {
    explicit Entry(std::string_view t) : text(t) {}
    std::atomic<std::size_t> refs{1};
    const std::string text;
};

namespace {

struct EntryHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    std::size_t operator()(const Atom::Entry* e) const noexcept { return (*this)(e->text); }
};
struct EntryEqual {
    using is_transparent = void;
    static std::string_view textOf(std::string_view s) noexcept { return s; }
    static std::string_view textOf(const Atom::Entry* e) noexcept { return e->text; }
    bool operator()(const auto& a, const auto& b) const noexcept { return textOf(a) == textOf(b); }
};

// Never destroyed: Atoms in objects with static storage may outlive any other static.
struct Table {
    std::mutex mutex;
    std::unordered_set<Atom::Entry*, EntryHash, EntryEqual> entries;
};
Table& table()
{
    static auto* t = new Table;
    return *t;
}

const std::string kEmpty;

} // namespace

Atom::Atom(std::string_view text)
{
    if (text.empty())
        return;
    auto& t = table();
    const std::lock_guard lock(t.mutex);
    if (const auto it = t.entries.find(text); it != t.entries.end()) {
        // A count only reaches 0 under the lock, and its entry goes at once: every entry found
        // here has a count of at least 1.
        (*it)->refs.fetch_add(1, std::memory_order_relaxed);
        entry_ = *it;
        return;
    }
    auto* entry = new Entry(text);
    t.entries.insert(entry);
    entry_ = entry;
}

Atom::Atom(const Atom& other) noexcept : entry_(other.entry_)
{
    if (entry_)
        entry_->refs.fetch_add(1, std::memory_order_relaxed);
}

Atom& Atom::operator=(const Atom& other) noexcept
{
    if (entry_ != other.entry_) {
        Atom copy(other);
        std::swap(entry_, copy.entry_);
    }
    return *this;
}

Atom& Atom::operator=(Atom&& other) noexcept
{
    if (this != &other) {
        release();
        entry_ = other.entry_;
        other.entry_ = nullptr;
    }
    return *this;
}

const std::string& Atom::str() const noexcept
{
    return entry_ ? entry_->text : kEmpty;
}

// The last reference drops its count under the lock, so that no lookup can find the entry
// between the count reaching 0 and the entry leaving the table.
void Atom::release() noexcept
{
    if (!entry_)
        return;
    auto* entry = entry_;
    entry_ = nullptr;
    auto refs = entry->refs.load(std::memory_order_relaxed);
    while (refs > 1) {
        if (entry->refs.compare_exchange_weak(refs, refs - 1, std::memory_order_release, std::memory_order_relaxed))
            return;
    }
    auto& t = table();
    const std::lock_guard lock(t.mutex);
    if (entry->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        t.entries.erase(entry);
        delete entry;
    }
}

std::size_t Atom::tableSize()
{
    auto& t = table();
    const std::lock_guard lock(t.mutex);
    return t.entries.size();
}

} // namespace bgtask::core
