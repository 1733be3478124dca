// SPDX-License-Identifier: LGPL-2.1-or-later
// bgtaskctl lint's pure parts: which near-miss keys get a suggestion, and a manifest's problems
// with and without an activation file.
#include "ManifestLint.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace bgtaskctl;

TEST_CASE("Lint suggests the known key a typo is nearest to, and nothing for an unrelated key")
{
    const std::vector<std::string_view> known{"Id", "BusName", "PermittedIdentifiers", "Kinds", "Exec", "Unit"};
    const auto [key, suggestion] = GENERATE(table<std::string, std::string>({
        {"PermitedIdentifiers", "PermittedIdentifiers"},
        {"permittedidentifiers", "PermittedIdentifiers"},
        {"PermittedIdentifers", "PermittedIdentifiers"},
        {"Kind", "Kinds"},
        {"Busname", "BusName"},
        {"BsuName", "BusName"},
        {"Exce", "Exec"},
        {"Command", ""},
        {"Interval", ""},
        {"X", ""},
    }));
    CAPTURE(key);
    CHECK(nearMissKey(key, known) == suggestion);
}

TEST_CASE("Lint finds a missing activation file only when no unit or command can start the app")
{
    const std::string base = "[Application]\nId=org.example.A\nPermittedIdentifiers=org.example.A.x;\nKinds=processing;\n";
    ActivationFiles none;
    ActivationFiles found;
    found.busNames.insert("org.example.A");
    const auto problems = lintManifest(base, "org.example.A.conf", none);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].line == 2);
    CHECK(problems[0].error);
    CHECK(lintManifest(base, "org.example.A.conf", found).empty());
    CHECK(lintManifest(base + "Exec=/usr/bin/a\n", "org.example.A.conf", none).empty());
    CHECK(lintManifest(base + "Unit=a.service\n", "org.example.A.conf", none).empty());
}
