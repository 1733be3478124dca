// SPDX-License-Identifier: LGPL-2.1-or-later
#include "Output.h"

#include "TimeText.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <type_traits>
#include <utility>
#include <variant>

namespace bgtaskctl {

JsonWriter::JsonWriter(std::ostream& out)
    : out_(out)
{
}

void JsonWriter::separate()
{
    if (afterKey_) {
        afterKey_ = false;
        return;
    }
    if (!first_.empty()) {
        if (!first_.back())
            out_ << ',';
        first_.back() = false;
    }
}

JsonWriter& JsonWriter::beginObject()
{
    separate();
    out_ << '{';
    first_.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::endObject()
{
    first_.pop_back();
    out_ << '}';
    if (first_.empty())
        out_ << '\n';
    return *this;
}

JsonWriter& JsonWriter::beginArray()
{
    separate();
    out_ << '[';
    first_.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::endArray()
{
    first_.pop_back();
    out_ << ']';
    if (first_.empty())
        out_ << '\n';
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view name)
{
    value(name);
    out_ << ':';
    afterKey_ = true;
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view text)
{
    separate();
    out_ << '"';
    for (char c : text) {
        switch (c) {
        case '"': out_ << "\\\""; break;
        case '\\': out_ << "\\\\"; break;
        case '\n': out_ << "\\n"; break;
        case '\t': out_ << "\\t"; break;
        case '\r': out_ << "\\r"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
                out_ << escaped;
            } else {
                out_ << c;
            }
        }
    }
    out_ << '"';
    return *this;
}

JsonWriter& JsonWriter::value(bool flag)
{
    separate();
    out_ << (flag ? "true" : "false");
    return *this;
}

JsonWriter& JsonWriter::value(std::int64_t number)
{
    separate();
    out_ << number;
    return *this;
}

JsonWriter& JsonWriter::value(std::uint64_t number)
{
    separate();
    out_ << number;
    return *this;
}

JsonWriter& JsonWriter::time(const std::optional<bgtask::TimePoint>& time)
{
    return time ? value(isoTime(*time)) : null();
}

JsonWriter& JsonWriter::null()
{
    separate();
    out_ << "null";
    return *this;
}

void writeSystemState(JsonWriter& json, const bgtask::SystemStatus& s)
{
    auto flag = [&](const char* key, const std::optional<bool>& v) {
        json.key(key);
        v ? json.value(*v) : json.null();
    };
    auto text = [&](const char* key, const std::optional<std::string>& v) {
        json.key(key);
        v ? json.value(*v) : json.null();
    };
    json.beginObject();
    flag("onExternalPower", s.onExternalPower);
    json.key("batteryPercent");
    s.batteryPercent ? json.value(static_cast<std::int64_t>(*s.batteryPercent)) : json.null();
    text("batteryState", s.batteryState);
    text("connectivity", s.connectivity);
    flag("metered", s.metered);
    flag("gpuAvailable", s.gpuAvailable);
    flag("sessionLocked", s.sessionLocked);
    flag("userIdle", s.userIdle);
    flag("userLoggedInSinceBoot", s.userLoggedInSinceBoot);
    flag("lowPowerMode", s.lowPowerMode);
    json.endObject();
}

namespace {

// Display columns of UTF-8 text (continuation bytes take none).
std::size_t columns(std::string_view text)
{
    return static_cast<std::size_t>(std::count_if(
        text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// The first `width` columns of text, the last of them "…" when something was cut.
std::string ellipsize(const std::string& text, std::size_t width)
{
    if (columns(text) <= width)
        return text;
    std::string out;
    std::size_t used = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool starts = (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
        if (starts && ++used > width - 1)
            break;
        out += text[i];
    }
    return out + "…";
}

// Narrows the widest columns, one column at a time, until the row fits (never below 8).
void fitWidths(std::vector<std::size_t>& widths, std::size_t maxWidth)
{
    constexpr std::size_t kGap = 2, kNarrowest = 8;
    auto total = [&] {
        std::size_t sum = 0;
        for (auto w : widths)
            sum += w + kGap;
        return sum - kGap;
    };
    while (total() > maxWidth) {
        auto widest = std::max_element(widths.begin(), widths.end());
        if (*widest <= kNarrowest)
            return;
        *widest -= std::min(*widest - kNarrowest, total() - maxWidth);
    }
}

} // namespace

void printTable(std::ostream& out, const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows, const TableStyle& style)
{
    std::vector<std::size_t> widths(headers.size());
    for (std::size_t i = 0; i < headers.size(); ++i)
        widths[i] = style.legend ? columns(headers[i]) : 0;
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i)
            widths[i] = std::max(widths[i], columns(row[i]));
    if (style.maxWidth > 0 && !widths.empty())
        fitWidths(widths, style.maxWidth);
    auto printRow = [&](const std::vector<std::string>& cells) {
        for (std::size_t i = 0; i < cells.size(); ++i) {
            const auto cell = i < widths.size() ? ellipsize(cells[i], widths[i]) : cells[i];
            out << cell;
            if (i + 1 < cells.size())
                out << std::string(widths[i] - columns(cell) + 2, ' ');
        }
        out << '\n';
    };
    if (style.legend)
        printRow(headers);
    for (const auto& row : rows)
        printRow(row);
}

namespace {

using namespace bgtask;

std::vector<std::string> optionWords(const ProcessingTaskRequest& r)
{
    std::vector<std::string> words;
    if (r.requiresNetworkConnectivity)
        words.emplace_back("network");
    if (r.networkType)
        words.emplace_back("network=" + std::string(toString(*r.networkType)));
    if (r.requiresExternalPower)
        words.emplace_back("external-power");
    if (r.requiresBatteryNotLow)
        words.emplace_back("battery-not-low");
    return words;
}

std::vector<std::string> optionWords(const TaskRequest& request)
{
    return std::visit(
        [](const auto& r) -> std::vector<std::string> {
            using T = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<T, ProcessingTaskRequest>) {
                return optionWords(r);
            } else if constexpr (std::is_same_v<T, HealthResearchTaskRequest>) {
                auto words = optionWords(static_cast<const ProcessingTaskRequest&>(r));
                if (r.protectionTypeOfRequiredData)
                    words.emplace_back("data=" + std::string(toString(*r.protectionTypeOfRequiredData)));
                return words;
            } else if constexpr (std::is_same_v<T, ContinuedProcessingTaskRequest>) {
                std::vector<std::string> words;
                if (r.strategy == SubmissionStrategy::Fail)
                    words.emplace_back("fail-if-busy");
                if (contains(r.requiredResources, Resources::Gpu))
                    words.emplace_back("gpu");
                return words;
            } else {
                return {};
            }
        },
        request);
}

void writeProcessing(JsonWriter& json, const ProcessingTaskRequest& r)
{
    json.key("requiresNetworkConnectivity").value(r.requiresNetworkConnectivity);
    json.key("requiresExternalPower").value(r.requiresExternalPower);
    json.key("networkType");
    r.networkType ? json.value(toString(*r.networkType)) : json.null();
    json.key("requiresBatteryNotLow").value(r.requiresBatteryNotLow);
}

} // namespace

std::string describeOptions(const TaskRequest& request)
{
    const auto words = optionWords(request);
    if (words.empty())
        return "-";
    std::string text;
    for (const auto& word : words)
        text += (text.empty() ? "" : ", ") + word;
    return text;
}

void writeOptions(JsonWriter& json, const TaskRequest& request)
{
    json.key("earliestBeginDate").time(earliestBeginDateOf(request));
    std::visit(
        [&](const auto& r) {
            using T = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<T, ProcessingTaskRequest>) {
                writeProcessing(json, r);
            } else if constexpr (std::is_same_v<T, HealthResearchTaskRequest>) {
                writeProcessing(json, r);
                json.key("protectionTypeOfRequiredData");
                r.protectionTypeOfRequiredData ? json.value(toString(*r.protectionTypeOfRequiredData)) : json.null();
            } else if constexpr (std::is_same_v<T, ContinuedProcessingTaskRequest>) {
                json.key("title").value(r.title);
                json.key("subtitle").value(r.subtitle);
                json.key("strategy").value(toString(r.strategy));
                json.key("requiredResources").beginArray();
                if (contains(r.requiredResources, Resources::Gpu))
                    json.value("gpu");
                json.endArray();
            }
        },
        request);
}

std::string plainWords(std::string_view subReason)
{
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kFriendly{{
        {"no-scheduler", "bgtaskd is not reachable"},
        {"no-such-request", "no such pending request"},
        {"no-such-app", "no such app (none with a valid manifest has this id)"},
        {"not-an-app", "not an app"},
        {"protocol-mismatch", "bgtaskd speaks another version of the interface"},
        {"restricted", "restricted: the administrator's configuration decides this setting"},
        {"unknown-setting", "unknown setting (bgtaskd knows refresh and continued)"},
    }};
    for (const auto& [reason, words] : kFriendly)
        if (reason == subReason)
            return std::string(words);
    std::string words(subReason);
    std::replace(words.begin(), words.end(), '-', ' ');
    return words;
}

std::string progressText(std::int64_t completed, std::int64_t total)
{
    if (total <= 0)
        return std::to_string(completed) + " done, total unknown";
    // In floating point: unit counts may be large enough for ×100 to overflow.
    const auto done = static_cast<double>(std::clamp<std::int64_t>(completed, 0, total));
    const auto percent = static_cast<std::int64_t>(done * 100.0 / static_cast<double>(total));
    return std::to_string(completed) + " of " + std::to_string(total) + " (" + std::to_string(percent) + "%)";
}

std::string describeOutcome(std::string_view outcome, std::string_view reason)
{
    std::string text(outcome);
    // The outcome is said once: a reason that only repeats it ("failed" for a unit that failed
    // without a Result) adds nothing, and one that opens with it keeps the rest.
    if (reason == outcome)
        reason = {};
    else if (reason.starts_with(outcome) && reason.substr(outcome.size()).starts_with(": "))
        reason.remove_prefix(outcome.size() + 2);
    if (!reason.empty())
        text += " (" + std::string(reason) + ")";
    else if (outcome == "cancelled")
        text += " (its process went away while it ran)";
    return text;
}

void printError(std::ostream& err, const bgtask::SchedulerError& error)
{
    err << "bgtaskctl: ";
    if (!error.subReason().empty())
        err << plainWords(error.subReason()) << ": ";
    err << error.message() << '\n';
    if (error.subReason() == "no-scheduler")
        err << "Start it with 'systemctl --user start bgtaskd' (the system's: 'systemctl start bgtaskd'), "
               "or check that DBUS_SESSION_BUS_ADDRESS names your session bus.\n";
}

} // namespace bgtaskctl
