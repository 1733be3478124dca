// SPDX-License-Identifier: LGPL-2.1-or-later
// The line protocol of bgtask-test-libapp: command words in (percent-decoded), JSON lines out,
// each event tagged with the thread it ran on ("main" or "t1", "t2", … in order of appearance).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iomanip>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace libapp {

class Json {
public:
    Json& set(const std::string& key, const std::string& value) { return raw(key, quote(value)); }
    Json& set(const std::string& key, const char* value) { return raw(key, quote(value)); }
    Json& set(const std::string& key, bool value) { return raw(key, value ? "true" : "false"); }
    template <typename T>
        requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
    Json& set(const std::string& key, T value)
    {
        return raw(key, std::to_string(value));
    }
    Json& set(const std::string& key, double value)
    {
        std::ostringstream text;
        text << std::setprecision(std::numeric_limits<double>::max_digits10) << value;
        return raw(key, text.str());
    }
    Json& set(const std::string& key, const std::vector<std::string>& values)
    {
        std::string text = "[";
        for (const auto& v : values)
            text += (text.size() > 1 ? "," : "") + quote(v);
        return raw(key, text + "]");
    }
    Json& set(const std::string& key, const std::vector<Json>& values)
    {
        std::string text = "[";
        for (const auto& v : values)
            text += (text.size() > 1 ? "," : "") + v.str();
        return raw(key, text + "]");
    }

    bool has(const std::string& key) const
    {
        for (const auto& [k, v] : fields_)
            if (k == key)
                return true;
        return false;
    }

    std::string str() const
    {
        std::string text = "{";
        for (const auto& [k, v] : fields_)
            text += (text.size() > 1 ? "," : "") + quote(k) + ":" + v;
        return text + "}";
    }

private:
    Json& raw(const std::string& key, std::string value)
    {
        fields_.emplace_back(key, std::move(value));
        return *this;
    }

    static std::string quote(const std::string& s)
    {
        std::string out = "\"";
        for (unsigned char c : s) {
            if (c == '"' || c == '\\') {
                out += '\\';
                out += static_cast<char>(c);
            } else if (c < 0x20) {
                char escaped[8];
                std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
                out += escaped;
            } else {
                out += static_cast<char>(c);
            }
        }
        return out + "\"";
    }

    std::vector<std::pair<std::string, std::string>> fields_;
};

// A command line: words separated by spaces, each percent-decoded ("Half%20way").
class Words {
public:
    explicit Words(const std::string& line)
    {
        std::istringstream in(line);
        std::string word;
        while (in >> word)
            words_.push_back(decode(word));
    }

    bool empty() const { return words_.empty(); }
    std::size_t size() const { return words_.size(); }
    const std::string& at(std::size_t i) const { return words_.at(i); }

    // The value of a "key=value" word.
    std::optional<std::string> option(const std::string& key) const
    {
        for (const auto& w : words_)
            if (w.size() > key.size() && w.compare(0, key.size(), key) == 0 && w[key.size()] == '=')
                return w.substr(key.size() + 1);
        return std::nullopt;
    }

private:
    static std::string decode(const std::string& word)
    {
        std::string out;
        for (std::size_t i = 0; i < word.size(); ++i) {
            if (word[i] == '%' && i + 2 < word.size()) {
                out += static_cast<char>(std::stoi(word.substr(i + 1, 2), nullptr, 16));
                i += 2;
            } else {
                out += word[i];
            }
        }
        return out;
    }

    std::vector<std::string> words_;
};

// Serialised stdout: replies as they are, events with their thread and time.
class Output {
public:
    explicit Output(std::thread::id mainThread)
        : main_(mainThread)
    {
    }

    void write(const Json& json)
    {
        std::lock_guard lock(mutex_);
        std::fputs((json.str() + "\n").c_str(), stdout);
        std::fflush(stdout);
    }

    void event(Json json)
    {
        const auto now = std::chrono::system_clock::now().time_since_epoch();
        json.set("thread", label(std::this_thread::get_id()))
            .set("time", std::chrono::duration<double>(now).count());
        write(json);
    }

private:
    std::string label(std::thread::id id)
    {
        std::lock_guard lock(mutex_);
        if (id == main_)
            return "main";
        auto [it, added] = labels_.emplace(id, "t" + std::to_string(labels_.size() + 1));
        return it->second;
    }

    std::thread::id main_;
    std::mutex mutex_;
    std::map<std::thread::id, std::string> labels_;
};

} // namespace libapp
