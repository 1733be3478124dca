// SPDX-License-Identifier: LGPL-2.1-or-later
#include "SchedulerAdaptor.h"

#include "OptionCodec.h"
#include "Reply.h"

#include "core/Utf8.h"

#include <bgtask-api/Names.h>

#include <optional>
#include <string_view>

namespace bgtask::bus {

SchedulerAdaptor::SchedulerAdaptor(sdbus::IConnection& connection, service::TaskService& service,
                                   service::FairCalls& calls)
    : object_(sdbus::createObject(connection, api::kObjectPath)), service_(service), calls_(calls)
{
    registerMethods();
    object_->finishRegistration();
}

SchedulerAdaptor::~SchedulerAdaptor() { object_->unregister(); }

void SchedulerAdaptor::registerMethods()
{
    auto& o = *object_;
    const auto* interface = api::kSchedulerInterface;
    o.registerMethod("Register").onInterface(interface).withInputParamNames("identifiers")
        .withOutputParamNames("refused")
        .implementedAs([this](const std::vector<std::string>& identifiers) { return Register(identifiers); });
    o.registerMethod(interface, "Submit", "ssa{sv}", {"kind", "identifier", "options"}, "", {},
                     [this](sdbus::MethodCall call) { Submit(std::move(call)); });
    o.registerMethod("Cancel").onInterface(interface).withInputParamNames("identifier")
        .implementedAs([this](sdbus::Result<>&& result, std::string identifier) {
            Cancel(std::move(result), std::move(identifier));
        });
    o.registerMethod("CancelAll").onInterface(interface)
        .implementedAs([this](sdbus::Result<>&& result) { CancelAll(std::move(result)); });
    o.registerMethod("GetPendingTaskRequests").onInterface(interface).withOutputParamNames("requests")
        .implementedAs([this] { return GetPendingTaskRequests(); });
    o.registerMethod("GetSupportedResources").onInterface(interface).withOutputParamNames("supported", "unavailable")
        .implementedAs([this] { return GetSupportedResources(); });
    o.registerMethod("GetBackgroundRefreshStatus").onInterface(interface).withOutputParamNames("status")
        .implementedAs([this] { return GetBackgroundRefreshStatus(); });
}

std::string SchedulerAdaptor::sender() const
{
    auto caller = object_->getCurrentlyProcessedMessage()->getSender();
    if (onCaller_)
        onCaller_(caller);
    return caller;
}

std::vector<std::string> SchedulerAdaptor::Register(const std::vector<std::string>& identifiers)
{
    return translated("Register", [&] { return service_.registerHandlers(sender(), identifiers); });
}

void SchedulerAdaptor::Submit(sdbus::MethodCall call)
{
    // sd-bus checked the signature (ssa{sv}) against the registration before calling. The two
    // strings are read in place (they live as long as the message): an identifier of 16 bytes or
    // more cost an allocation as a std::string, only to be interned into the request.
    char* kindText = nullptr;
    char* identifierText = nullptr;
    call >> kindText >> identifierText;
    const std::string_view kind(kindText ? kindText : "");
    const std::string_view identifier(identifierText ? identifierText : "");
    core::TaskRequest request;
    std::optional<core::Error> refused;
    try {
        const auto parsedKind = core::parseTaskKind(kind);
        if (!parsedKind)
            throw core::Error(core::ErrorCode::InvalidArgument, "unknown-kind",
                              "'" + core::excerpt(kind) + "' is not a task kind (app-refresh, processing, "
                              "health-research, continued-processing)");
        request.kind = *parsedKind;
        request.identifier = identifier;
        request.options = readOptions(call);
    } catch (const core::Error& e) {
        refused = e;
    }
    auto done = replyWhenDone(std::move(call));
    if (refused) {
        done(&*refused);
        return;
    }
    auto caller = sender();
    // done moves on: a copy of it costs an allocation per call.
    calls_.enqueue(caller, [this, caller, request = std::move(request)](service::FairCalls::Done served) mutable {
        try {
            service_.submit(caller, std::move(request), served);
        } catch (const core::Error& e) {
            served(&e);
        }
    }, std::move(done));
}

void SchedulerAdaptor::Cancel(sdbus::Result<>&& result, std::string identifier)
{
    auto caller = sender();
    calls_.enqueue(caller, [this, caller, identifier = std::move(identifier)](service::FairCalls::Done served) {
        service_.cancel(caller, identifier, served);
    }, replyWhenDone(std::move(result)));
}

void SchedulerAdaptor::CancelAll(sdbus::Result<>&& result)
{
    auto caller = sender();
    calls_.enqueue(caller, [this, caller](service::FairCalls::Done served) { service_.cancelAll(caller, served); },
                   replyWhenDone(std::move(result)));
}

std::vector<sdbus::Struct<std::string, std::string, std::map<std::string, sdbus::Variant>>>
SchedulerAdaptor::GetPendingTaskRequests()
{
    return translated("GetPendingTaskRequests", [&] {
        std::vector<sdbus::Struct<std::string, std::string, std::map<std::string, sdbus::Variant>>> out;
        for (const auto& r : service_.pendingOf(sender()))
            out.emplace_back(std::string(toString(r.kind)), r.identifier, encodeOptions(r.options));
        return out;
    });
}

std::tuple<std::vector<std::string>, std::map<std::string, std::string>> SchedulerAdaptor::GetSupportedResources()
{
    return translated("GetSupportedResources", [&] {
        auto [supported, unavailable] = service_.supportedResources(sender());
        return std::tuple(std::move(supported), std::move(unavailable));
    });
}

std::string SchedulerAdaptor::GetBackgroundRefreshStatus()
{
    return translated("GetBackgroundRefreshStatus",
                      [&] { return std::string(toString(service_.refreshStatus(sender()))); });
}

} // namespace bgtask::bus
