// SPDX-License-Identifier: LGPL-2.1-or-later
#include "EchoServer.h"

#include "Window.h"

#include <sdbus-c++/sdbus-c++.h>

#include <string>

namespace bgtask::bench {

int runEchoServer()
{
    auto connection = sdbus::createSessionBusConnection();
    auto object = sdbus::createObject(*connection, kEchoObjectPath);
    object->registerMethod(kEchoMethod).onInterface(kEchoInterface).implementedAs([](const std::string& text) {
        return text;
    });
    object->finishRegistration();
    connection->requestName(kEchoBusName);
    announce("ready");
    // One thread, like bgtaskd: the same loop dispatches every call in turn.
    connection->enterEventLoop();
    return 0;
}

} // namespace bgtask::bench
