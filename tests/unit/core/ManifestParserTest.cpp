// SPDX-License-Identifier: LGPL-2.1-or-later
// Manifest keyfiles: name syntax, every error with the line it is reported on, the warnings
// that leave a manifest usable, defaults, and which identifiers a manifest permits.
#include "Fixtures.h"

#include "core/ManifestParser.h"

#include <catch2/catch.hpp>

#include <algorithm>

#include <string>

using namespace bgtask::core;

namespace {

constexpr const char* kFileName = "org.example.Feeds.conf";

// The smallest manifest the parser accepts; cases append or replace lines of it.
constexpr const char* kMinimal =
    "[Application]\n"                                      // 1
    "Id=org.example.Feeds\n"                               // 2
    "PermittedIdentifiers=org.example.Feeds.refresh\n"     // 3
    "Kinds=app-refresh\n";                                 // 4

std::string describe(const ManifestParseResult& result)
{
    std::string text = result.manifest ? "usable;" : "rejected;";
    for (const auto& p : result.problems)
        text += " [" + std::to_string(p.line) + "] " + p.message + ";";
    return text;
}

} // namespace

TEST_CASE("Identifiers and app ids follow reverse-DNS syntax")
{
    const auto [name, validIdentifier, validAppId] = GENERATE(table<std::string, bool, bool>({
        {"org.example.Feeds", true, true},
        {"a.b", true, true},
        {"org.example.Feeds.refresh", true, true},
        {"org.example.my_app-2.sync", true, true},
        {"_private.x", true, true},
        {"-dash.x", true, true},
        {"org.example.2fa", true, false},      // element starting with a digit: no bus name
        {"1org.example", true, false},
        {"org.example.Feeds.9", true, false},
        {"single", false, false},              // one element
        {"", false, false},
        {".org.example", false, false},
        {"org.example.", false, false},
        {"org..example", false, false},
        {".", false, false},
        {"org.example.Feeds.*", false, false}, // wildcards are manifest syntax only
        {"org.example.*", false, false},
        {"org.exam ple", false, false},
        {"org/example.x", false, false},
        {"org.example.Feéds", false, false},
        {"org.example:x", false, false},
    }));
    CAPTURE(name);
    CHECK(isValidIdentifier(name) == validIdentifier);
    CHECK(isValidAppId(name) == validAppId);
}

TEST_CASE("Names may be up to 255 characters long")
{
    const auto length = GENERATE(3, 254, 255, 256, 1000);
    const std::string name = "a." + std::string(static_cast<std::size_t>(length) - 2, 'b');
    CAPTURE(length);
    CHECK(isValidIdentifier(name) == (length <= 255));
    CHECK(isValidAppId(name) == (length <= 255));
}

TEST_CASE("A minimal manifest parses with its defaults")
{
    const auto result = parseManifest(kMinimal, kFileName);
    INFO(describe(result));
    REQUIRE(result.manifest.has_value());
    CHECK(result.problems.empty());
    const Manifest& m = *result.manifest;
    CHECK(m.id == "org.example.Feeds");
    CHECK(m.busName == "org.example.Feeds");
    CHECK(m.identifiers == std::vector<Atom>{"org.example.Feeds.refresh"});
    CHECK(m.wildcardPrefixes.empty());
    CHECK(m.kinds == std::set<TaskKind>{TaskKind::AppRefresh});
    CHECK(m.entitlements.empty());
    CHECK_FALSE(m.exec.has_value());
    CHECK(m.sourceFile.empty());
}

TEST_CASE("A full manifest parses every key, whatever the spacing, comments and line endings")
{
    const std::string text =
        "# Feeds: background work\r\n"
        "\r\n"
        "  [Application]  \r\n"
        "Id = org.example.Feeds\r\n"
        "\t# the app owns a second name on the bus\n"
        "BusName=org.example.FeedsService\n"
        "PermittedIdentifiers= org.example.Feeds.refresh ; org.example.Feeds.sync;;"
        "org.example.Feeds.export.*;org.example.Feeds.*;\n"
        "Kinds=app-refresh;processing;health-research;continued-processing;processing\n"
        "Entitlements=gpu;health-research;\n"
        "Exec=/usr/bin/feeds --background\n";
    const auto result = parseManifest(text, kFileName);
    INFO(describe(result));
    REQUIRE(result.manifest.has_value());
    CHECK(result.problems.empty());
    const Manifest& m = *result.manifest;
    CHECK(m.busName == "org.example.FeedsService");
    CHECK(m.identifiers == std::vector<Atom>{"org.example.Feeds.refresh", "org.example.Feeds.sync"});
    CHECK(m.wildcardPrefixes == std::vector<std::string>{"org.example.Feeds.export.", "org.example.Feeds."});
    CHECK(m.kinds.size() == 4);
    CHECK(m.entitlements == std::set<Entitlement>{Entitlement::Gpu, Entitlement::HealthResearch});
    CHECK(m.exec == "/usr/bin/feeds --background");
}

TEST_CASE("Health research without its entitlement is accepted at parse time")
{
    const std::string text = "[Application]\nId=org.example.Feeds\n"
                             "PermittedIdentifiers=org.example.Feeds.study\nKinds=health-research\n";
    const auto ok = parseManifest(text, kFileName);
    INFO(describe(ok));
    REQUIRE(ok.manifest.has_value());
    CHECK(ok.manifest->kinds.contains(TaskKind::HealthResearch));
    CHECK_FALSE(ok.manifest->hasEntitlement(Entitlement::HealthResearch));
}

TEST_CASE("Each manifest error rejects the file and is reported on its line")
{
    const auto [what, text, fileName, line, fragment] =
        GENERATE(table<std::string, std::string, std::string, int, std::string>({
            {"missing Id", "[Application]\nPermittedIdentifiers=org.example.Feeds.a\nKinds=processing\n",
             kFileName, 0, "Id"},
            {"Id not matching the file name",
             "[Application]\nId=org.example.Other\nPermittedIdentifiers=org.example.Other.a\nKinds=processing\n",
             kFileName, 2, "file name"},
            {"Id with an element starting with a digit",
             "[Application]\nId=org.3example.Feeds\nPermittedIdentifiers=a.b\nKinds=processing\n",
             "org.3example.Feeds.conf", 2, "not a valid app id"},
            {"file name without .conf", kMinimal, "org.example.Feeds", 0, ".conf"},
            {"invalid BusName", std::string(kMinimal) + "BusName=org.example.1Feeds\n", kFileName, 5, "BusName"},
            {"empty BusName", std::string(kMinimal) + "BusName=\n", kFileName, 5, "BusName"},
            {"missing PermittedIdentifiers", "[Application]\nId=org.example.Feeds\nKinds=processing\n",
             kFileName, 0, "PermittedIdentifiers"},
            {"empty PermittedIdentifiers",
             "[Application]\nId=org.example.Feeds\nPermittedIdentifiers= ; ;\nKinds=processing\n",
             kFileName, 3, "no identifiers"},
            {"invalid identifier",
             "[Application]\nId=org.example.Feeds\nPermittedIdentifiers=org.example.Feeds.a;org..b\nKinds=processing\n",
             kFileName, 3, "'org..b'"},
            {"wildcard without continued processing",
             "[Application]\nId=org.example.Feeds\nPermittedIdentifiers=org.example.Feeds.export.*\nKinds=processing\n",
             kFileName, 3, "continued-processing"},
            {"wildcard of another app",
             "[Application]\nId=org.example.Feeds\nPermittedIdentifiers=org.example.Other.*\n"
             "Kinds=continued-processing\n",
             kFileName, 3, "must start with the app id"},
            {"wildcard sharing only a string prefix with the app id",
             "[Application]\nId=org.example.Feeds\nPermittedIdentifiers=org.example.FeedsPlus.*\n"
             "Kinds=continued-processing\n",
             kFileName, 3, "must start with the app id"},
            {"bare wildcard",
             "[Application]\nId=org.example.Feeds\nPermittedIdentifiers=*\nKinds=continued-processing\n",
             kFileName, 3, "'*'"},
            {"wildcard in the middle",
             "[Application]\nId=org.example.Feeds\nPermittedIdentifiers=org.example.Feeds.*.x\n"
             "Kinds=continued-processing\n",
             kFileName, 3, "org.example.Feeds.*.x"},
            {"double wildcard",
             "[Application]\nId=org.example.Feeds\nPermittedIdentifiers=org.example.Feeds.*.*\n"
             "Kinds=continued-processing\n",
             kFileName, 3, "org.example.Feeds.*.*"},
            {"missing Kinds", "[Application]\nId=org.example.Feeds\nPermittedIdentifiers=org.example.Feeds.a\n",
             kFileName, 0, "Kinds"},
            {"empty Kinds",
             "[Application]\nId=org.example.Feeds\nPermittedIdentifiers=org.example.Feeds.a\nKinds=;\n",
             kFileName, 4, "no kinds"},
            {"unknown kind",
             "[Application]\nId=org.example.Feeds\nPermittedIdentifiers=org.example.Feeds.a\n"
             "Kinds=processing;background-fetch\n",
             kFileName, 4, "'background-fetch'"},
            {"unknown entitlement", std::string(kMinimal) + "\n# more\nEntitlements=gpu;camera\n", kFileName, 7,
             "'camera'"},
            {"empty Exec", std::string(kMinimal) + "Exec=\n", kFileName, 5, "Exec"},
            {"relative Exec", std::string(kMinimal) + "Exec=bin/feeds --background\n", kFileName, 5,
             "absolute"},
            {"key before any group", "Id=org.example.Feeds\n" + std::string(kMinimal), kFileName, 1,
             "before any group"},
            {"duplicate key", std::string(kMinimal) + "Id=org.example.Feeds\n", kFileName, 5, "first on line 2"},
            {"duplicate unknown key", std::string(kMinimal) + "Icon=a\nIcon=b\n", kFileName, 6, "twice"},
            {"line without '='", std::string(kMinimal) + "Exec /usr/bin/feeds\n", kFileName, 5,
             "Key=Value"},
            {"line without a key", std::string(kMinimal) + " = value\n", kFileName, 5, "no key"},
            {"unterminated group header", "[Application\nId=org.example.Feeds\n", kFileName, 1,
             "group header"},
            {"empty group header", std::string(kMinimal) + "[]\n", kFileName, 5, "group header"},
            {"second [Application] group", std::string(kMinimal) + "[Application]\n", kFileName, 5,
             "more than once"},
            {"no [Application] group", "[Desktop Entry]\nName=Feeds\n", kFileName, 0, "[Application]"},
        }));
    CAPTURE(what);
    const auto result = parseManifest(text, fileName);
    INFO(describe(result));
    CHECK_FALSE(result.manifest.has_value());
    const bool found = std::ranges::any_of(result.problems, [&](const ManifestProblem& p) {
        return p.line == line && p.message.find(fragment) != std::string::npos;
    });
    CHECK(found);
}

TEST_CASE("Unknown groups, unknown keys and repeated identifiers are warnings that keep the manifest")
{
    const auto [what, text, line, fragment] = GENERATE(table<std::string, std::string, int, std::string>({
        {"unknown key", std::string(kMinimal) + "Icon=feeds.png\n", 5, "Icon"},
        {"localized key", std::string(kMinimal) + "Name[de]=Nachrichten\n", 5, "Name[de]"},
        {"unknown group, whose keys are not read",
         "# other tools' settings\n[Desktop Entry]\nId=not.this\nExec=relative\n" + std::string(kMinimal), 2,
         "[Desktop Entry]"},
        {"unknown group after [Application]", std::string(kMinimal) + "[X-Future]\nKinds=\n", 5, "[X-Future]"},
        {"repeated identifier",
         "[Application]\nId=org.example.Feeds\n"
         "PermittedIdentifiers=org.example.Feeds.refresh;org.example.Feeds.refresh\nKinds=app-refresh\n",
         3, "more than once"},
    }));
    CAPTURE(what);
    const auto result = parseManifest(text, kFileName);
    INFO(describe(result));
    REQUIRE(result.manifest.has_value());
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].line == line);
    CHECK(result.problems[0].message.find(fragment) != std::string::npos);
    CHECK(*result.manifest == *parseManifest(kMinimal, kFileName).manifest);
}

TEST_CASE("A rejected manifest reports its errors, not its warnings, in line order")
{
    const std::string text = "[Application]\n"            // 1
                             "Icon=feeds.png\n"           // 2: warning, dropped
                             "Kinds=app-refresh;fetch\n"  // 3: error
                             "Id=org.example.Feeds\n"     // 4
                             "Exec=feeds\n";              // 5: error
    const auto result = parseManifest(text, kFileName);
    INFO(describe(result));
    CHECK_FALSE(result.manifest.has_value());
    REQUIRE(result.problems.size() == 3);
    CHECK(result.problems[0].line == 0);   // PermittedIdentifiers missing
    CHECK(result.problems[1].line == 3);
    CHECK(result.problems[2].line == 5);
}

TEST_CASE("A wildcard entry equal to the app id covers every identifier under it")
{
    const std::string text = "[Application]\nId=org.example.Feeds\nPermittedIdentifiers=org.example.Feeds.*\n"
                             "Kinds=continued-processing\n";
    const auto result = parseManifest(text, kFileName);
    INFO(describe(result));
    REQUIRE(result.manifest.has_value());
    CHECK(result.manifest->wildcardPrefixes == std::vector<std::string>{"org.example.Feeds."});
    CHECK(result.manifest->identifiers.empty());
}

TEST_CASE("A manifest permits exact identifiers for every kind and wildcards only for continued processing")
{
    const Manifest m = test::fullManifest();   // exact: …Feeds.refresh; wildcard: …Feeds.export.*
    const auto [identifier, exactOrWildcard] = GENERATE(table<std::string, int>({
        // 0: not permitted, 1: exact entry, 2: wildcard match
        {"org.example.Feeds.refresh", 1},
        {"org.example.Feeds.export.job1", 2},
        {"org.example.Feeds.export.a.b", 2},
        {"org.example.Feeds.export.", 0},      // empty suffix
        {"org.example.Feeds.export.*", 0},     // the wildcard itself
        {"org.example.Feeds.export..x", 0},
        {"org.example.Feeds.export", 0},
        {"org.example.Feeds.exports", 0},
        {"org.example.Feeds.Refresh", 0},      // case-sensitive
        {"org.example.Feeds.refresh.x", 0},
        {"org.example.Other.export.job1", 0},
    }));
    const auto kind = GENERATE(from_range(std::begin(kAllTaskKinds), std::end(kAllTaskKinds)));
    CAPTURE(identifier, toString(kind));
    const bool expected = exactOrWildcard == 1 || (exactOrWildcard == 2 && kind == TaskKind::ContinuedProcessing);
    CHECK(m.permitsIdentifier(identifier, kind) == expected);
    CHECK(m.permitsAnyKind(identifier) == (exactOrWildcard != 0));

    Manifest withoutContinued = m;
    withoutContinued.kinds.erase(TaskKind::ContinuedProcessing);
    CHECK(withoutContinued.permitsAnyKind(identifier) == (exactOrWildcard == 1));
}

TEST_CASE("A manifest may name a systemd unit as the way to run its tasks")
{
    const auto result = parseManifest(std::string(kMinimal) + "Unit=apt-daily.service\n", kFileName);
    INFO(describe(result));
    REQUIRE(result.manifest.has_value());
    CHECK(result.problems.empty());
    CHECK(result.manifest->unit == std::optional<std::string>{"apt-daily.service"});
    CHECK(result.manifest->busName == "org.example.Feeds");   // who may submit, never activated
    CHECK_FALSE(parseManifest(kMinimal, kFileName).manifest->unit.has_value());
}

TEST_CASE("A bad Unit= rejects the manifest with the problem on its line")
{
    const auto [text, message] = GENERATE(table<std::string, std::string>({
        {std::string(kMinimal) + "Unit=apt-daily\n", "not the name of a systemd unit"},
        {std::string(kMinimal) + "Unit=\n", "not the name of a systemd unit"},
        {std::string(kMinimal) + "Unit=backup@.service\n", "not the name of a systemd unit"},
        {std::string(kMinimal) + "Unit=dev-sda.device\n", "not the name of a systemd unit"},
        {std::string(kMinimal) + "Unit=a.service\nExec=/usr/bin/a\n", "Unit and Exec are exclusive"},
        {"[Application]\nId=org.example.Feeds\nPermittedIdentifiers=org.example.Feeds.x\n"
         "Kinds=continued-processing\nUnit=a.service\n", "continued-processing"},
    }));
    const auto result = parseManifest(text, kFileName);
    INFO(describe(result));
    CHECK_FALSE(result.manifest.has_value());
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].line == 5);
    CHECK(result.problems[0].message.find(message) != std::string::npos);
}

TEST_CASE("On the system bus Exec= without User= rejects the manifest at the Exec line")
{
    const bool system = GENERATE(false, true);
    const auto result = parseManifest(std::string(kMinimal) + "Exec=/usr/bin/feeds --background\n", kFileName,
                                      ManifestRules{.execNeedsUser = system});
    INFO(describe(result));
    if (!system) {
        REQUIRE(result.manifest.has_value());
        CHECK_FALSE(result.manifest->user.has_value());
        return;
    }
    CHECK_FALSE(result.manifest.has_value());
    REQUIRE(result.problems.size() == 1);
    CHECK(result.problems[0].line == 5);
    CHECK(result.problems[0].message.starts_with("Exec needs User= on the system bus"));
}

TEST_CASE("User= names the account an Exec command runs as, on either bus")
{
    const bool system = GENERATE(false, true);
    const std::string user = GENERATE("nobody", "root", "backup-agent", "_svc", "user.name", "1000", "machine$");
    const auto result = parseManifest(std::string(kMinimal) + "Exec=/usr/bin/feeds\nUser=" + user + "\n", kFileName,
                                      ManifestRules{.execNeedsUser = system});
    INFO(user << " " << describe(result));
    REQUIRE(result.manifest.has_value());
    CHECK(result.manifest->user == user);
}

TEST_CASE("A bad User= or one without Exec= rejects the manifest at its line")
{
    const auto [text, line, message] = GENERATE(table<std::string, int, std::string>({
        {std::string(kMinimal) + "User=nobody\n", 5, "User applies only to Exec"},
        {std::string(kMinimal) + "Unit=a.service\nUser=nobody\n", 6, "User applies only to Exec"},
        {std::string(kMinimal) + "Exec=/usr/bin/a\nUser=\n", 6, "is not a valid user name"},
        {std::string(kMinimal) + "Exec=/usr/bin/a\nUser=-x\n", 6, "is not a valid user name"},
        {std::string(kMinimal) + "Exec=/usr/bin/a\nUser=a b\n", 6, "is not a valid user name"},
        {std::string(kMinimal) + "Exec=/usr/bin/a\nUser=" + std::string(33, 'a') + "\n", 6, "is not a valid user name"},
    }));
    const auto result = parseManifest(text, kFileName, ManifestRules{.execNeedsUser = true});
    INFO(describe(result));
    CHECK_FALSE(result.manifest.has_value());
    REQUIRE_FALSE(result.problems.empty());
    CHECK(std::ranges::any_of(result.problems, [&](const auto& p) {
        return p.line == line && p.message.find(message) != std::string::npos;
    }));
}
