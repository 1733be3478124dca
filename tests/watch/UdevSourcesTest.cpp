// SPDX-License-Identifier: LGPL-2.1-or-later
// The udev sources (PowerSupplySource, RenderNodeSource) against a umockdev testbed owned by
// this process, on a real sd-event loop: devices present at start, then add/change/remove
// uevents. Must run under umockdev-wrapper (the process that owns the testbed and sends the
// uevents must itself be preloaded).
#include "Eventually.h"

#include "watch/PowerSupplySource.h"
#include "watch/RenderNodeSource.h"

#include <catch2/catch.hpp>

#include <umockdev.h>

#include <string>

using bgtask::core::BatteryState;
using namespace bgtask::watch;
using namespace bgtask::watch::test;

namespace {

class Testbed {
public:
    Testbed() : bed_(umockdev_testbed_new())
    {
        REQUIRE(umockdev_in_mock_environment());
        REQUIRE(sd_event_new(&event_) >= 0);
    }
    ~Testbed()
    {
        sd_event_unref(event_);
        g_object_unref(bed_);
    }
    Testbed(const Testbed&) = delete;
    Testbed& operator=(const Testbed&) = delete;

    sd_event* event() const { return event_; }

    std::string addAc(const char* online)
    {
        return take(umockdev_testbed_add_device(bed_, "power_supply", "AC", nullptr, "type", "Mains", "online", online,
                                                nullptr, "POWER_SUPPLY_ONLINE", online, nullptr));
    }
    std::string addBattery(const char* name, const char* status, const char* capacity)
    {
        return take(umockdev_testbed_add_device(bed_, "power_supply", name, nullptr, "type", "Battery", "present", "1",
                                                "status", status, "capacity", capacity, "voltage_now", "12000000",
                                                nullptr, nullptr));
    }
    std::string addDrm(const char* name)
    {
        const auto devname = std::string("/dev/dri/") + name;
        return take(umockdev_testbed_add_device(bed_, "drm", name, nullptr, "dev", "226:128", nullptr, "DEVNAME",
                                                devname.c_str(), "DEVTYPE", "drm_minor", nullptr));
    }
    void change(const std::string& device, const char* attribute, const char* value)
    {
        umockdev_testbed_set_attribute(bed_, device.c_str(), attribute, value);
        umockdev_testbed_uevent(bed_, device.c_str(), "change");
    }
    void setSilently(const std::string& device, const char* attribute, const char* value)
    {
        umockdev_testbed_set_attribute(bed_, device.c_str(), attribute, value);
    }
    // umockdev's remove_device() sends no uevent: send it first, as the kernel would.
    void remove(const std::string& device)
    {
        umockdev_testbed_uevent(bed_, device.c_str(), "remove");
        umockdev_testbed_remove_device(bed_, device.c_str());
    }

private:
    static std::string take(gchar* path)
    {
        REQUIRE(path);
        std::string s(path);
        g_free(path);
        return s;
    }

    UMockdevTestbed* bed_;
    sd_event* event_ = nullptr;
};

} // namespace

TEST_CASE("The power source reports external power, battery percentage and state of the devices present")
{
    Testbed bed;
    bed.addAc("1");
    bed.addBattery("BAT0", "Charging", "80");
    RecordingSink sink;
    PowerSupplySource source(bed.event());
    source.start(sink);
    CHECK(sink.state.onExternalPower == true);
    CHECK(sink.state.batteryPercent == 80);
    CHECK(sink.state.batteryState == BatteryState::Charging);
    CHECK(sink.updatesFrom("power") == 1);
}

TEST_CASE("The power source reports battery power when the AC adapter goes offline, and back")
{
    Testbed bed;
    const auto ac = bed.addAc("1");
    const auto bat = bed.addBattery("BAT0", "Charging", "60");
    RecordingSink sink;
    PowerSupplySource source(bed.event());
    source.start(sink);
    REQUIRE(sink.state.onExternalPower == true);

    bed.change(ac, "online", "0");
    bed.change(bat, "status", "Discharging");
    CHECK(eventually(bed.event(), [&] {
        return sink.state.onExternalPower == false && sink.state.batteryState == BatteryState::Discharging;
    }));

    bed.change(ac, "online", "1");
    CHECK(eventually(bed.event(), [&] { return sink.state.onExternalPower == true; }));
}

TEST_CASE("The power source follows battery capacity changes")
{
    Testbed bed;
    bed.addAc("0");
    const auto bat = bed.addBattery("BAT0", "Discharging", "42");
    RecordingSink sink;
    PowerSupplySource source(bed.event());
    source.start(sink);
    REQUIRE(sink.state.batteryPercent == 42);

    bed.change(bat, "capacity", "15");
    CHECK(eventually(bed.event(), [&] { return sink.state.batteryPercent == 15; }));
    CHECK(sink.state.onExternalPower == false);
}

TEST_CASE("The power source reads every supply again on any uevent, catching silent capacity changes")
{
    Testbed bed;
    const auto ac = bed.addAc("1");
    const auto bat = bed.addBattery("BAT0", "Charging", "42");
    RecordingSink sink;
    PowerSupplySource source(bed.event());
    source.start(sink);
    REQUIRE(sink.state.batteryPercent == 42);

    bed.setSilently(bat, "capacity", "50");   // as many batteries do, without a uevent
    bed.change(ac, "online", "0");
    CHECK(eventually(bed.event(), [&] { return sink.state.onExternalPower == false; }));
    CHECK(sink.state.batteryPercent == 50);
}

TEST_CASE("The power source publishes nothing when an attribute it does not map changes")
{
    Testbed bed;
    bed.addAc("1");
    const auto bat = bed.addBattery("BAT0", "Full", "100");
    RecordingSink sink;
    PowerSupplySource source(bed.event());
    source.start(sink);
    REQUIRE(sink.updatesFrom("power") == 1);

    bed.change(bat, "voltage_now", "11900000");
    CHECK(staysTrue(bed.event(), [&] { return sink.updatesFrom("power") == 1; }));
    // The uevent was delivered: a mapped change right after it is seen.
    bed.change(bat, "capacity", "99");
    CHECK(eventually(bed.event(), [&] { return sink.state.batteryPercent == 99; }));
    CHECK(sink.updatesFrom("power") == 2);
}

TEST_CASE("A machine with an offline AC adapter and no battery counts as on external power")
{
    Testbed bed;
    bed.addAc("0");
    RecordingSink sink;
    PowerSupplySource source(bed.event());
    source.start(sink);
    CHECK(sink.state.onExternalPower == true);
    CHECK_FALSE(sink.state.batteryPercent);
    CHECK_FALSE(sink.state.batteryState);
}

TEST_CASE("The power source forgets a removed battery and learns an added one")
{
    Testbed bed;
    bed.addAc("0");
    const auto bat = bed.addBattery("BAT0", "Discharging", "30");
    RecordingSink sink;
    PowerSupplySource source(bed.event());
    source.start(sink);
    REQUIRE(sink.state.onExternalPower == false);

    bed.remove(bat);
    CHECK(eventually(bed.event(), [&] { return sink.state.onExternalPower == true && !sink.state.batteryPercent; }));

    bed.addBattery("BAT1", "Discharging", "77");
    CHECK(eventually(bed.event(), [&] { return sink.state.batteryPercent == 77; }));
    CHECK(sink.state.onExternalPower == false);
}

TEST_CASE("The gpu source reports no GPU when there is a card but no render node")
{
    Testbed bed;
    bed.addDrm("card0");
    RecordingSink sink;
    RenderNodeSource source(bed.event());
    source.start(sink);
    CHECK(sink.state.gpuAvailable == false);
}

TEST_CASE("The gpu source reports a render node present at start")
{
    Testbed bed;
    bed.addDrm("card0");
    bed.addDrm("renderD128");
    RecordingSink sink;
    RenderNodeSource source(bed.event());
    source.start(sink);
    CHECK(sink.state.gpuAvailable == true);
}

TEST_CASE("The gpu source follows a render node that appears and disappears")
{
    Testbed bed;
    bed.addDrm("card0");
    RecordingSink sink;
    RenderNodeSource source(bed.event());
    source.start(sink);
    REQUIRE(sink.state.gpuAvailable == false);

    const auto node = bed.addDrm("renderD128");
    CHECK(eventually(bed.event(), [&] { return sink.state.gpuAvailable == true; }));

    bed.remove(node);
    CHECK(eventually(bed.event(), [&] { return sink.state.gpuAvailable == false; }));
    CHECK(sink.updatesFrom("gpu") == 3);
}
