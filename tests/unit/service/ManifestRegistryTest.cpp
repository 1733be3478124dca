// SPDX-License-Identifier: LGPL-2.1-or-later
// The ManifestRegistry over real files: which apps a reload removes (their manifest gone) and
// which it holds (their file still there but broken), so that only a removal drops requests.
#include "service/ManifestRegistry.h"

#include "../store/TempDir.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using bgtask::service::ManifestRegistry;
using bgtask::store::test::TempDir;
using Strings = std::vector<std::string>;

namespace {

class Apps {
public:
    Apps() { std::filesystem::create_directories(dir_ / "data" / "bgtaskd" / "apps"); }

    std::filesystem::path file(const std::string& app) const
    {
        return dir_ / "data" / "bgtaskd" / "apps" / (app + ".conf");
    }
    void install(const std::string& app) const
    {
        std::ofstream(file(app)) << "[Application]\nId=" << app << "\nPermittedIdentifiers=" << app
                                 << ".refresh\nKinds=app-refresh\n";
    }
    void breakManifest(const std::string& app) const { std::ofstream(file(app)) << "[Application]\nnot a key\n"; }
    std::filesystem::path dataDir() const { return dir_ / "data"; }

private:
    TempDir dir_;
};

} // namespace

TEST_CASE("A reload removes the apps whose manifest is gone, and no others")
{
    Apps apps;
    apps.install("org.example.A");
    apps.install("org.example.B");
    ManifestRegistry registry({apps.dataDir()});
    registry.reload();
    CHECK(registry.removedApps().empty());   // the first reload removes nothing

    std::filesystem::remove(apps.file("org.example.B"));
    registry.reload();
    CHECK(registry.removedApps() == Strings{"org.example.B"});
    registry.reload();
    CHECK(registry.removedApps().empty());   // once
}

TEST_CASE("A manifest broken in place holds its app until it is fixed or removed")
{
    Apps apps;
    apps.install("org.example.A");
    ManifestRegistry registry({apps.dataDir()});
    registry.reload();

    apps.breakManifest("org.example.A");
    registry.reload();
    CHECK(registry.byId("org.example.A") == nullptr);
    CHECK(registry.removedApps().empty());
    registry.reload();
    CHECK(registry.removedApps().empty());   // still held

    SECTION("fixed: back, never removed")
    {
        apps.install("org.example.A");
        registry.reload();
        CHECK(registry.byId("org.example.A") != nullptr);
        CHECK(registry.removedApps().empty());
    }
    SECTION("then removed: removed")
    {
        std::filesystem::remove(apps.file("org.example.A"));
        registry.reload();
        CHECK(registry.removedApps() == Strings{"org.example.A"});
    }
}

TEST_CASE("A scan reads the files without touching the registry, which changes only when it is applied")
{
    Apps apps;
    apps.install("org.example.A");
    ManifestRegistry registry({apps.dataDir()});
    registry.reload();
    apps.install("org.example.B");
    std::filesystem::remove(apps.file("org.example.A"));

    auto scan = ManifestRegistry::scan(registry.dataDirs(), registry.rules());
    CHECK(scan.complete);
    REQUIRE(scan.manifests.size() == 1);
    CHECK(scan.manifests[0].id == "org.example.B");
    CHECK(registry.byId("org.example.A") != nullptr);   // not yet applied
    CHECK(registry.byId("org.example.B") == nullptr);

    registry.apply(std::move(scan));
    CHECK(registry.byId("org.example.A") == nullptr);
    CHECK(registry.byId("org.example.B") != nullptr);
    CHECK(registry.byBusName("org.example.B").size() == 1);
    CHECK(registry.removedApps() == Strings{"org.example.A"});
}

TEST_CASE("A cancelled scan stops between files and says it is incomplete")
{
    Apps apps;
    apps.install("org.example.A");
    apps.install("org.example.B");
    int asked = 0;
    const auto scan = ManifestRegistry::scan({apps.dataDir()}, {}, [&asked] { return ++asked > 1; });
    CHECK_FALSE(scan.complete);
    CHECK(scan.manifests.size() == 1);   // the first file was read, the second not
}
