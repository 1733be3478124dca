// SPDX-License-Identifier: LGPL-2.1-or-later
// Optionals that take less room than std::optional, for the fields of a pending request, of
// which bgtaskd keeps one per request (issue 13: 100,000 pending requests in 32 MiB):
//
// - SlimOptional<T> keeps a time or a duration (std::chrono types) in the 8 bytes of its count,
//   with the smallest count meaning "not set" (std::optional<Duration> takes 16). The smallest
//   count is not a value anyone can set: it reads as not set (requests validate their
//   durations and dates as not negative before they get here).
// - HeapOptional<T> keeps a value that few requests set (a title, a list of resources, a
//   failed launch) on the heap: 8 bytes when not set (std::optional<std::string> takes 40).
//
// Both read like std::optional (has_value, bool, *, ->, value_or, reset, == with nullopt, a
// value or another optional) and convert to and from std::optional<T>, so that code written for
// std::optional keeps compiling.
#pragma once

#include <compare>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace bgtask::core {

template <typename T>
class SlimOptional {
    static_assert(std::is_integral_v<typename T::rep>, "the unset value is the rep's lowest, T::min()");
    // T::min() for a duration or a time point: the duration of the integral rep's lowest value.
    static constexpr T kUnset = T::min();

public:
    using value_type = T;

    constexpr SlimOptional() noexcept = default;
    constexpr SlimOptional(std::nullopt_t) noexcept {}
    template <typename U>
        requires std::is_convertible_v<U, T> && (!std::is_same_v<std::remove_cvref_t<U>, SlimOptional>)
    constexpr SlimOptional(U value) noexcept : value_(value) {}
    constexpr SlimOptional(const std::optional<T>& value) noexcept : value_(value.value_or(kUnset)) {}

    constexpr SlimOptional& operator=(std::nullopt_t) noexcept { value_ = kUnset; return *this; }
    template <typename U>
        requires std::is_convertible_v<U, T> && (!std::is_same_v<std::remove_cvref_t<U>, SlimOptional>)
    constexpr SlimOptional& operator=(U value) noexcept
    {
        value_ = value;
        return *this;
    }
    constexpr SlimOptional& operator=(const std::optional<T>& value) noexcept
    {
        value_ = value.value_or(kUnset);
        return *this;
    }

    constexpr bool has_value() const noexcept { return value_ != kUnset; }
    constexpr explicit operator bool() const noexcept { return has_value(); }
    constexpr const T& operator*() const noexcept { return value_; }
    constexpr const T* operator->() const noexcept { return &value_; }
    constexpr const T& value() const
    {
        if (!has_value())
            throw std::bad_optional_access();
        return value_;
    }
    template <typename U>
    constexpr T value_or(U&& fallback) const { return has_value() ? value_ : static_cast<T>(std::forward<U>(fallback)); }
    constexpr void reset() noexcept { value_ = kUnset; }
    constexpr T& emplace(T value) noexcept { return value_ = value; }

    constexpr operator std::optional<T>() const { return has_value() ? std::optional<T>(value_) : std::nullopt; }

    friend constexpr bool operator==(const SlimOptional&, const SlimOptional&) = default;
    friend constexpr bool operator==(const SlimOptional& a, std::nullopt_t) noexcept { return !a.has_value(); }
    friend constexpr bool operator==(const SlimOptional& a, const T& b) noexcept { return a.has_value() && a.value_ == b; }
    friend constexpr bool operator==(const SlimOptional& a, const std::optional<T>& b) noexcept
    {
        return a == SlimOptional(b);
    }

private:
    T value_ = kUnset;
};

template <typename T>
class HeapOptional {
public:
    using value_type = T;

    HeapOptional() noexcept = default;
    HeapOptional(std::nullopt_t) noexcept {}
    template <typename U = T>
        requires std::is_constructible_v<T, U&&> && (!std::is_same_v<std::remove_cvref_t<U>, HeapOptional>) &&
                 (!std::is_same_v<std::remove_cvref_t<U>, std::nullopt_t>) &&
                 (!std::is_same_v<std::remove_cvref_t<U>, std::optional<T>>)
    HeapOptional(U&& value) : value_(std::make_unique<T>(std::forward<U>(value)))
    {
    }
    HeapOptional(const std::optional<T>& value) : value_(value ? std::make_unique<T>(*value) : nullptr) {}
    HeapOptional(std::optional<T>&& value) : value_(value ? std::make_unique<T>(std::move(*value)) : nullptr) {}
    HeapOptional(const HeapOptional& other) : value_(other.value_ ? std::make_unique<T>(*other.value_) : nullptr) {}
    HeapOptional(HeapOptional&&) noexcept = default;
    ~HeapOptional() = default;

    HeapOptional& operator=(const HeapOptional& other)
    {
        if (this != &other)
            value_ = other.value_ ? std::make_unique<T>(*other.value_) : nullptr;
        return *this;
    }
    HeapOptional& operator=(HeapOptional&&) noexcept = default;
    HeapOptional& operator=(std::nullopt_t) noexcept
    {
        value_.reset();
        return *this;
    }
    template <typename U = T>
        requires std::is_constructible_v<T, U&&> && (!std::is_same_v<std::remove_cvref_t<U>, HeapOptional>) &&
                 (!std::is_same_v<std::remove_cvref_t<U>, std::nullopt_t>) &&
                 (!std::is_same_v<std::remove_cvref_t<U>, std::optional<T>>)
    HeapOptional& operator=(U&& value)
    {
        if (value_)
            *value_ = std::forward<U>(value);
        else
            value_ = std::make_unique<T>(std::forward<U>(value));
        return *this;
    }
    HeapOptional& operator=(const std::optional<T>& value)
    {
        value_ = value ? std::make_unique<T>(*value) : nullptr;
        return *this;
    }

    bool has_value() const noexcept { return value_ != nullptr; }
    explicit operator bool() const noexcept { return has_value(); }
    const T& operator*() const noexcept { return *value_; }
    T& operator*() noexcept { return *value_; }
    const T* operator->() const noexcept { return value_.get(); }
    T* operator->() noexcept { return value_.get(); }
    const T& value() const
    {
        if (!value_)
            throw std::bad_optional_access();
        return *value_;
    }
    template <typename U>
    T value_or(U&& fallback) const { return value_ ? *value_ : static_cast<T>(std::forward<U>(fallback)); }
    void reset() noexcept { value_.reset(); }
    template <typename... Args>
    T& emplace(Args&&... args)
    {
        value_ = std::make_unique<T>(std::forward<Args>(args)...);
        return *value_;
    }

    operator std::optional<T>() const { return value_ ? std::optional<T>(*value_) : std::nullopt; }

    friend bool operator==(const HeapOptional& a, const HeapOptional& b)
    {
        return a.has_value() == b.has_value() && (!a.has_value() || *a == *b);
    }
    friend bool operator==(const HeapOptional& a, std::nullopt_t) noexcept { return !a.has_value(); }
    template <typename U>
        requires(!std::is_same_v<U, HeapOptional> && !std::is_same_v<U, std::nullopt_t>)
    friend bool operator==(const HeapOptional& a, const U& b)
    {
        if constexpr (requires { b.has_value(); })
            return a.has_value() == b.has_value() && (!a.has_value() || *a == *b);
        else
            return a.has_value() && *a == b;
    }

private:
    std::unique_ptr<T> value_;
};

} // namespace bgtask::core
