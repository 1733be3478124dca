// SPDX-License-Identifier: LGPL-2.1-or-later
// PowerProfilesSource against python-dbusmock on a private system bus: the legacy
// net.hadess.PowerProfiles template, and a plain mock for org.freedesktop.UPower.PowerProfiles
// to show that the current name is preferred and the legacy one taken again when it leaves.
#include "BusFixture.h"

#include "watch/PowerProfilesSource.h"

#include <catch2/catch.hpp>

#include <optional>

using namespace bgtask::watch;
using namespace bgtask::watch::test;

namespace {

constexpr const char* kLegacy = "net.hadess.PowerProfiles";
constexpr const char* kLegacyPath = "/net/hadess/PowerProfiles";
constexpr const char* kCurrent = "org.freedesktop.UPower.PowerProfiles";
constexpr const char* kCurrentPath = "/org/freedesktop/UPower/PowerProfiles";

DbusMock startLegacy() { return DbusMock::fromTemplate("power_profiles_daemon", kLegacy); }

void setProfile(const DbusMock& ppd, const char* path, const char* interface, const std::string& profile)
{
    ppd.call(path, "org.freedesktop.DBus.Properties.Set", {interface, "ActiveProfile", "<'" + profile + "'>"});
}

} // namespace

TEST_CASE("Only the power-saver profile is low power mode")
{
    CHECK(PowerProfilesSource::lowPowerModeOf("power-saver") == true);
    CHECK(PowerProfilesSource::lowPowerModeOf("balanced") == false);
    CHECK(PowerProfilesSource::lowPowerModeOf("performance") == false);
    CHECK_FALSE(PowerProfilesSource::lowPowerModeOf(std::nullopt));
}

TEST_CASE_METHOD(BusFixture, "The power-profile source follows power-profiles-daemon's active profile")
{
    PowerProfilesSource source(*bus);
    source.start(sink);
    REQUIRE(eventually([&] { return sink.updatesFrom("power-profile") == 1; }));
    CHECK_FALSE(sink.state.lowPowerMode);

    std::optional<DbusMock> ppd = startLegacy();
    CHECK(eventually([&] { return sink.state.lowPowerMode == false; }));   // "balanced"
    setProfile(*ppd, kLegacyPath, kLegacy, "power-saver");
    CHECK(eventually([&] { return sink.state.lowPowerMode == true; }));

    ppd.reset();
    CHECK(eventually([&] { return !sink.state.lowPowerMode; }));
    ppd.emplace(startLegacy());
    CHECK(eventually([&] { return sink.state.lowPowerMode == false; }));
}

TEST_CASE_METHOD(BusFixture, "The power-profile source prefers org.freedesktop.UPower.PowerProfiles over the legacy name")
{
    auto legacy = startLegacy();
    setProfile(legacy, kLegacyPath, kLegacy, "power-saver");
    PowerProfilesSource source(*bus);
    source.start(sink);
    REQUIRE(eventually([&] { return sink.state.lowPowerMode == true; }));

    std::optional<DbusMock> current = DbusMock::plain(kCurrent, kCurrentPath, kCurrent);
    // The bare mock has no ActiveProfile yet: what the preferred daemon says is unknown.
    CHECK(eventually([&] { return !sink.state.lowPowerMode; }));
    current->call(kCurrentPath, "org.freedesktop.DBus.Mock.AddProperty", {kCurrent, "ActiveProfile", "<'balanced'>"});
    setProfile(*current, kCurrentPath, kCurrent, "performance");
    CHECK(eventually([&] { return sink.state.lowPowerMode == false; }));
    // The legacy name is not followed meanwhile.
    setProfile(legacy, kLegacyPath, kLegacy, "balanced");
    setProfile(legacy, kLegacyPath, kLegacy, "power-saver");
    CHECK(staysTrue([&] { return sink.state.lowPowerMode == false; }));

    current.reset();
    CHECK(eventually([&] { return sink.state.lowPowerMode == true; }));
}
