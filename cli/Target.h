// SPDX-License-Identifier: LGPL-2.1-or-later
// What run, expire and cancel share: the APP IDENTIFIER arguments and the acknowledgement they
// print (a sentence, or {"app", "identifier", <done>: true} with --json).
#pragma once

#include "Commands.h"

#include <memory>
#include <string>

namespace bgtaskctl {

struct Target {
    std::string app;
    std::string identifier;
};

std::shared_ptr<Target> addTargetArguments(CLI::App& sub, const char* identifierHelp);
void acknowledge(Context& ctx, const Target& target, const char* jsonField, const std::string& sentence);

} // namespace bgtaskctl
