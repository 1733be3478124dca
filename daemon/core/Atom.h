// SPDX-License-Identifier: LGPL-2.1-or-later
// An interned string: app ids and identifiers, of which bgtaskd keeps one per pending request
// and per permitted identifier of a manifest, most of them the same few strings (issue 13:
// 100,000 pending requests in 32 MiB). An Atom is one pointer into a process-wide table that
// holds each distinct text once with a count of the Atoms that name it; the text goes when the
// last of them does, so apps that churn identifiers cannot grow the table.
//
// An Atom reads like the std::string it replaces (converts to const std::string& and
// std::string_view, compares with strings, hashes like its text) and is a value: equal texts
// are equal Atoms whoever made them. The table is shared state behind a mutex and the counts
// are atomic because requests are copied off the loop thread too (Simulate); neither is
// observable, so the core stays a function of its inputs.
#pragma once

#include <compare>
#include <cstddef>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

namespace bgtask::core {

class Atom {
public:
    Atom() noexcept = default;
    Atom(std::string_view text);
    Atom(const std::string& text) : Atom(std::string_view(text)) {}
    Atom(const char* text) : Atom(std::string_view(text)) {}
    Atom(const Atom& other) noexcept;
    Atom(Atom&& other) noexcept : entry_(other.entry_) { other.entry_ = nullptr; }
    ~Atom() { release(); }

    Atom& operator=(const Atom& other) noexcept;
    Atom& operator=(Atom&& other) noexcept;
    Atom& operator=(std::string_view text) { return *this = Atom(text); }
    Atom& operator=(const std::string& text) { return *this = Atom(text); }
    Atom& operator=(const char* text) { return *this = Atom(text); }

    const std::string& str() const noexcept;
    std::string_view view() const noexcept { return str(); }
    operator const std::string&() const noexcept { return str(); }
    operator std::string_view() const noexcept { return str(); }
    const char* c_str() const noexcept { return str().c_str(); }
    const char* data() const noexcept { return str().data(); }
    std::size_t size() const noexcept { return str().size(); }
    std::size_t length() const noexcept { return str().size(); }
    bool empty() const noexcept { return entry_ == nullptr; }
    bool starts_with(std::string_view prefix) const noexcept { return view().starts_with(prefix); }
    bool ends_with(std::string_view suffix) const noexcept { return view().ends_with(suffix); }
    auto begin() const noexcept { return str().begin(); }
    auto end() const noexcept { return str().end(); }

    // Equal texts share one entry: comparing two Atoms compares pointers.
    friend bool operator==(const Atom& a, const Atom& b) noexcept { return a.entry_ == b.entry_; }
    friend bool operator==(const Atom& a, std::string_view b) noexcept { return a.view() == b; }
    friend bool operator==(const Atom& a, const std::string& b) noexcept { return a.view() == b; }
    friend bool operator==(const Atom& a, const char* b) noexcept { return a.view() == b; }
    friend std::strong_ordering operator<=>(const Atom& a, const Atom& b) noexcept { return a.view() <=> b.view(); }
    friend std::strong_ordering operator<=>(const Atom& a, std::string_view b) noexcept { return a.view() <=> b; }
    friend std::strong_ordering operator<=>(const Atom& a, const std::string& b) noexcept
    {
        return a.view() <=> std::string_view(b);
    }
    friend std::strong_ordering operator<=>(const Atom& a, const char* b) noexcept
    {
        return a.view() <=> std::string_view(b);
    }

    friend std::string operator+(const Atom& a, std::string_view b) { return std::string(a.view()).append(b); }
    friend std::string operator+(std::string_view a, const Atom& b) { return std::string(a).append(b.view()); }
    friend std::string operator+(const Atom& a, const char* b) { return a + std::string_view(b); }
    friend std::string operator+(const char* a, const Atom& b) { return std::string_view(a) + b; }
    friend std::string operator+(const Atom& a, const std::string& b) { return a + std::string_view(b); }
    friend std::string operator+(const std::string& a, const Atom& b) { return std::string_view(a) + b; }
    friend std::string operator+(std::string&& a, const Atom& b) { return std::move(a.append(b.view())); }
    friend std::ostream& operator<<(std::ostream& out, const Atom& a) { return out << a.view(); }

    // How many distinct texts the table holds (for tests).
    static std::size_t tableSize();

    struct Entry;

private:
    void release() noexcept;

    Entry* entry_ = nullptr;   // nullptr: the empty string
};

} // namespace bgtask::core

template <>
struct std::hash<bgtask::core::Atom> {
    std::size_t operator()(const bgtask::core::Atom& a) const noexcept { return std::hash<std::string_view>{}(a.view()); }
};
