// SPDX-License-Identifier: LGPL-2.1-or-later
// The domain error every layer throws: an api::ErrorCode, a machine-readable sub-reason and a
// sentence. daemon/bus/ErrorTranslation turns it into a D-Bus error; nothing else does.
#pragma once

#include <bgtask-api/ErrorCode.h>

#include <stdexcept>
#include <string>

namespace bgtask::core {

using api::ErrorCode;

class Error : public std::runtime_error {
public:
    Error(ErrorCode code, std::string subReason, const std::string& text)
        : std::runtime_error(subReason + ": " + text), code_(code), subReason_(std::move(subReason))
    {
    }

    ErrorCode code() const { return code_; }
    const std::string& subReason() const { return subReason_; }

private:
    ErrorCode code_;
    std::string subReason_;
};

} // namespace bgtask::core
