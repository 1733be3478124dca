// SPDX-License-Identifier: LGPL-2.1-or-later
// How bgtaskctl writes: aligned tables for people, a small streaming JSON writer for --json,
// and the one error line format ("bgtaskctl: <sub-reason in plain words>: <message>").
// Borrows the streams it writes to.
#pragma once

#include <bgtask/Manager.h>
#include <bgtask/SchedulerError.h>
#include <bgtask/TaskRequest.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace bgtaskctl {

// Streams JSON without building a tree: begin/end calls nest, commas are automatic.
class JsonWriter {
public:
    explicit JsonWriter(std::ostream& out);

    JsonWriter& beginObject();
    JsonWriter& endObject();
    JsonWriter& beginArray();
    JsonWriter& endArray();
    JsonWriter& key(std::string_view name);
    JsonWriter& value(std::string_view text);
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(bool flag);
    JsonWriter& value(std::int64_t number);
    JsonWriter& value(std::uint64_t number);
    // ISO 8601 UTC, or null when unset.
    JsonWriter& time(const std::optional<bgtask::TimePoint>& time);
    JsonWriter& null();

private:
    void separate();

    std::ostream& out_;
    std::vector<bool> first_;  // per open container: nothing written yet
    bool afterKey_ = false;
};

// Columns padded to their widest cell; the last column is not padded.
// The "system" object of status and monitor: every field of the system state, null when unknown.
void writeSystemState(JsonWriter& json, const bgtask::SystemStatus& state);

// How a table is printed: legend is the header line; with maxWidth (terminal columns, 0: no
// limit) the widest columns are cut to fit, their cells ending in "…".
struct TableStyle {
    bool legend = true;
    std::size_t maxWidth = 0;
};

void printTable(std::ostream& out, const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows, const TableStyle& style = {});

// A request's options in short words for tables: "external-power, unmetered", or "-".
std::string describeOptions(const bgtask::TaskRequest& request);
// The same options as JSON object members (camelCase keys), written into an open object.
void writeOptions(JsonWriter& json, const bgtask::TaskRequest& request);

// Continued processing's unit counts: "3 of 12 (25%)", or "3 done, total unknown" while the
// total is 0 (indeterminate).
std::string progressText(std::int64_t completed, std::int64_t total);

// "completed", "expired (time limit reached)", "cancelled (its process went away while it ran)":
// the outcome with its reason, or for an outcome without one a word on what it means.
std::string describeOutcome(std::string_view outcome, std::string_view reason);

// "no-such-request" → "no such request"; a few sub-reasons get a friendlier sentence.
std::string plainWords(std::string_view subReason);
// Writes "bgtaskctl: <plain words>: <message>" (or "bgtaskctl: <message>") and a newline.
void printError(std::ostream& err, const bgtask::SchedulerError& error);

} // namespace bgtaskctl
