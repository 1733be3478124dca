// SPDX-License-Identifier: LGPL-2.1-or-later
// Atom, the interned string of app ids and identifiers: it reads and compares like the string
// it holds, equal texts share one entry, and an entry goes with its last Atom, also when Atoms
// are copied and dropped on several threads at once.
#include "core/Atom.h"

#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

using bgtask::core::Atom;

TEST_CASE("An Atom reads, compares and hashes like its text")
{
    const Atom a("org.example.Feeds");
    const std::string& text = a;
    CHECK(text == "org.example.Feeds");
    CHECK(a == "org.example.Feeds");
    CHECK(a == std::string("org.example.Feeds"));
    CHECK(a != std::string_view("org.example.Feed"));
    CHECK(a.size() == 17);
    CHECK(a.starts_with("org.example."));
    CHECK(a + ".refresh" == "org.example.Feeds.refresh");
    CHECK(Atom("a") < Atom("b"));
    CHECK(Atom("b") > std::string_view("a"));
    CHECK(std::hash<Atom>{}(a) == std::hash<std::string_view>{}("org.example.Feeds"));
    CHECK(Atom().empty());
    CHECK(Atom("") == Atom());
    CHECK(Atom().str().empty());
    std::unordered_set<Atom> set{Atom("x"), Atom(std::string("x")), Atom("y")};
    CHECK(set.size() == 2);
}

TEST_CASE("Equal texts share one table entry, which goes with the last Atom")
{
    const auto before = Atom::tableSize();
    {
        Atom a("org.example.AtomTest.a-long-identifier-beyond-small-strings");
        Atom b(std::string("org.example.AtomTest.a-long-identifier-beyond-small-strings"));
        CHECK(a == b);
        CHECK(a.data() == b.data());
        CHECK(Atom::tableSize() == before + 1);
        Atom c = a;
        Atom d = std::move(b);
        CHECK(b.empty());   // NOLINT: a moved-from Atom is empty
        b = "org.example.AtomTest.other";
        CHECK(Atom::tableSize() == before + 2);
        a = b;
        c = std::move(d);
        CHECK(Atom::tableSize() == before + 2);
        c = Atom();
        CHECK(Atom::tableSize() == before + 1);
    }
    CHECK(Atom::tableSize() == before);
}

TEST_CASE("Atoms made, copied and dropped on several threads keep the table consistent")
{
    const auto before = Atom::tableSize();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([t] {
            std::vector<Atom> kept;
            for (int i = 0; i < 20000; ++i) {
                Atom a("org.example.AtomTest.t" + std::to_string((i + t) % 7));
                Atom copy = a;
                if (i % 3 == 0)
                    kept.push_back(copy);
                if (kept.size() > 5)
                    kept.erase(kept.begin());
                REQUIRE(copy.starts_with("org.example.AtomTest.t"));
            }
        });
    for (auto& thread : threads)
        thread.join();
    CHECK(Atom::tableSize() == before);
}
