// SPDX-License-Identifier: LGPL-2.1-or-later
#include "service/UsageLedger.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <string>

using namespace bgtask;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

// Sets the local time zone for one test and restores the previous one.
class TimeZone {
public:
    explicit TimeZone(const char* tz)
    {
        if (const char* old = std::getenv("TZ"))
            previous_ = old;
        setenv("TZ", tz, 1);
        tzset();
    }
    ~TimeZone()
    {
        if (previous_)
            setenv("TZ", previous_->c_str(), 1);
        else
            unsetenv("TZ");
        tzset();
    }

private:
    std::optional<std::string> previous_;
};

core::TimePoint utc(int y, unsigned m, unsigned d, int h, int min)
{
    return time_point_cast<core::Duration>(sys_days{year{y} / month{m} / day{d}} + hours{h} + minutes{min});
}

} // namespace

TEST_CASE("The budget day begins at the reset time of the local day, or of the day before")
{
    TimeZone zone("UTC");
    const auto reset = minutes(4 * 60);
    auto [start, end] = service::UsageLedger::budgetDay(utc(2026, 11, 28, 10, 0), reset);
    CHECK(start == utc(2026, 11, 28, 4, 0));
    CHECK(end == utc(2026, 11, 29, 4, 0));
    std::tie(start, end) = service::UsageLedger::budgetDay(utc(2026, 11, 28, 3, 59), reset);
    CHECK(start == utc(2026, 11, 27, 4, 0));
    CHECK(end == utc(2026, 11, 28, 4, 0));
    std::tie(start, end) = service::UsageLedger::budgetDay(utc(2026, 11, 28, 4, 0), reset);
    CHECK(start == utc(2026, 11, 28, 4, 0));
}

TEST_CASE("The budget day follows the local time zone and its daylight-saving change")
{
    TimeZone zone("Europe/Berlin");
    const auto reset = minutes(4 * 60);
    // 28 Nov 2026, 12:00 UTC = 13:00 CET: the day began at 04:00 CET = 03:00 UTC.
    auto [start, end] = service::UsageLedger::budgetDay(utc(2026, 11, 28, 12, 0), reset);
    CHECK(start == utc(2026, 11, 28, 3, 0));
    CHECK(end == utc(2026, 11, 29, 3, 0));
    // Summer time starts on 29 Mar 2026 at 02:00 CET: that budget day is 23 hours long.
    std::tie(start, end) = service::UsageLedger::budgetDay(utc(2026, 3, 28, 12, 0), reset);
    CHECK(start == utc(2026, 3, 28, 3, 0));
    CHECK(end == utc(2026, 3, 29, 2, 0));
}
