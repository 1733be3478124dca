// SPDX-License-Identifier: LGPL-2.1-or-later
#include "ErrorTranslation.h"

#include <catch2/catch.hpp>

#include <string>

using bgtask::SchedulerError;
using Code = SchedulerError::Code;
using bgtask::detail::toDbusError;
using bgtask::detail::translateError;

TEST_CASE("bgtaskd's errors keep their code, sub-reason and sentence")
{
    const auto [name, code] = GENERATE(table<std::string, Code>({
        {"org.bgtaskd.Error.Unavailable", Code::Unavailable},
        {"org.bgtaskd.Error.TooManyPendingTaskRequests", Code::TooManyPendingTaskRequests},
        {"org.bgtaskd.Error.NotPermitted", Code::NotPermitted},
        {"org.bgtaskd.Error.ImmediateRunIneligible", Code::ImmediateRunIneligible},
        {"org.bgtaskd.Error.InvalidArgument", Code::InvalidArgument},
        {"org.bgtaskd.Error.NotFound", Code::NotFound},
        {"org.bgtaskd.Error.AccessDenied", Code::AccessDenied},
        {"org.bgtaskd.Error.Internal", Code::Internal},
    }));
    const auto error = translateError(sdbus::Error(name, "some-reason: Something went wrong"));
    CHECK(error.code() == code);
    CHECK(error.subReason() == "some-reason");
    CHECK(error.message() == "Something went wrong");
    CHECK(std::string(error.what()) == "some-reason: Something went wrong");
}

TEST_CASE("Apple's four codes keep Apple's raw values")
{
    CHECK(translateError(sdbus::Error("org.bgtaskd.Error.NotPermitted", "not-in-manifest: x")).appleCode() == 3);
    CHECK(static_cast<int>(Code::Unavailable) == 1);
    CHECK(static_cast<int>(Code::TooManyPendingTaskRequests) == 2);
    CHECK(static_cast<int>(Code::ImmediateRunIneligible) == 4);
    CHECK(SchedulerError(Code::NotFound, "x", "y").appleCode() == 0);
    CHECK(SchedulerError(Code::NoScheduler, "no-scheduler", "y").appleCode() == 1);
}

TEST_CASE("A daemon that is not running, not activatable or not answering means no scheduler")
{
    const auto name = GENERATE(as<std::string>{}, "org.freedesktop.DBus.Error.ServiceUnknown",
                               "org.freedesktop.DBus.Error.NoReply", "org.freedesktop.DBus.Error.NameHasNoOwner",
                               "org.freedesktop.DBus.Error.Spawn.ChildExited", "System.Error.ECONNREFUSED",
                               "System.Error.ENOMEDIUM");
    const auto error = translateError(sdbus::Error(name, "whatever"));
    CHECK(error.code() == Code::NoScheduler);
    CHECK(error.subReason() == "no-scheduler");
    CHECK_THAT(error.message(), Catch::Contains(name));
}

TEST_CASE("Other D-Bus errors become Internal and keep the error's name in the message")
{
    const auto error = translateError(sdbus::Error("org.example.Weird", "odd"));
    CHECK(error.code() == Code::Internal);
    CHECK(error.subReason() == "dbus-error");
    CHECK(error.message() == "org.example.Weird: odd");

    CHECK(translateError(sdbus::Error("org.freedesktop.DBus.Error.UnknownMethod", "no")).subReason() ==
          "protocol-mismatch");
    CHECK(translateError(sdbus::Error("org.freedesktop.DBus.Error.AccessDenied", "policy")).code() ==
          Code::AccessDenied);
}

TEST_CASE("A bgtaskd error without a sub-reason keeps its whole message")
{
    const auto error = translateError(sdbus::Error("org.bgtaskd.Error.Internal", "Disk on fire"));
    CHECK(error.subReason().empty());
    CHECK(error.message() == "Disk on fire");
    CHECK(std::string(error.what()) == "Disk on fire");
}

TEST_CASE("Errors the library answers with use bgtaskd's names and the sub-reason form")
{
    const auto error = toDbusError(Code::NotFound, "no-handler", "no launch handler for x");
    CHECK(error.getName() == "org.bgtaskd.Error.NotFound");
    CHECK(error.getMessage() == "no-handler: no launch handler for x");
    const auto back = translateError(error);
    CHECK(back.code() == Code::NotFound);
    CHECK(back.subReason() == "no-handler");
}
