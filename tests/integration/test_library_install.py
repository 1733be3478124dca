# SPDX-License-Identifier: LGPL-2.1-or-later
"""libbgtask as a package: installed into a temporary prefix (the libbgtask and libbgtask-dev
components), it has its headers under bgtask/ without sdbus-c++, a SONAME, only bgtask symbols
under one version node, a working bgtask.pc and CMake package; and the examples, built out of
tree against it through pkg-config (examples/Makefile) and find_package (examples/CMakeLists.txt),
run against the real bgtaskd."""
import glob
import os
import shutil
import subprocess
import tempfile
import unittest

from bgtaskd_testlib import eventually
from library_testlib import BUILD, SOURCE, LibraryTestCase

EXAMPLES = os.path.join(SOURCE, "examples")


def cache_value(name):
    with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split("=", 1)[1].strip()
    return ""


def run(cmd, env=None, cwd=None):
    out = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         timeout=240)
    if out.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {out.returncode}:\n{out.stdout}")
    return out.stdout


class Installed:
    """One installation and both out-of-tree builds, shared by the tests of this module."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="bgtask-install-")
        self.prefix = os.path.join(self.root, "prefix")
        for component in ("libbgtask", "libbgtask-dev"):
            run(["cmake", "--install", BUILD, "--prefix", self.prefix, "--component", component])
        self.pc_dir = os.path.dirname(glob.glob(os.path.join(self.prefix, "**", "pkgconfig", "bgtask.pc"),
                                                recursive=True)[0])
        self.libdir = os.path.dirname(self.pc_dir)
        self.env = dict(os.environ, PKG_CONFIG_PATH=self.pc_dir)
        self.env.pop("CMAKE_PREFIX_PATH", None)
        # A library built with sanitizers needs its users built with them too.
        sanitize = cache_value("BGTASKD_SANITIZE").replace(";", ",")
        self.flags = f"-fsanitize={sanitize} -fno-omit-frame-pointer" if sanitize else ""
        self.pkgconfig_dir = os.path.join(self.root, "pkgconfig-build")
        self.cmake_dir = os.path.join(self.root, "cmake-build")
        self.pkgconfig_log = run(
            ["make", "-C", EXAMPLES, "-j2", f"O={self.pkgconfig_dir}",
             f"CFLAGS=-g -Wall -Wextra -Wpedantic -Werror {self.flags}",
             f"CXXFLAGS=-g -Wall -Wextra -Wpedantic -Werror {self.flags}", f"LDFLAGS={self.flags}"],
            env=self.env)
        run(["cmake", "-S", EXAMPLES, "-B", self.cmake_dir, "-G", "Ninja", f"-DCMAKE_PREFIX_PATH={self.prefix}",
             f"-DCMAKE_C_FLAGS={self.flags}", f"-DCMAKE_CXX_FLAGS={self.flags}",
             f"-DCMAKE_EXE_LINKER_FLAGS={self.flags}"], env=self.env)
        self.cmake_log = run(["cmake", "--build", self.cmake_dir, "-j2"], env=self.env)

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


installed = None


def setUpModule():
    global installed
    installed = Installed()


def tearDownModule():
    if installed:
        installed.cleanup()


class InstalledLibraryTest(unittest.TestCase):
    def test_headers_are_installed_under_bgtask_and_need_no_sdbus(self):
        include = os.path.join(installed.prefix, "include", "bgtask")
        headers = sorted(os.listdir(include))
        for name in ("bgtask.h", "Scheduler.h", "Task.h", "TaskRequest.h", "SchedulerError.h", "Export.h",
                     "SdbusConnection.h"):
            self.assertIn(name, headers)
        for name in headers:
            with open(os.path.join(include, name)) as f:
                text = f.read()
            self.assertNotRegex(text, r"#include\s*<sdbus", name)
            self.assertNotRegex(text, r"#include\s*\"", f"{name} includes a private header")
            if name != "SdbusConnection.h":   # the opt-in header names sdbus::IConnection, declared only
                self.assertNotIn("sdbus::", text, name)

    def test_the_library_has_a_soname_and_exports_only_its_api_under_one_version(self):
        real = glob.glob(os.path.join(installed.libdir, "libbgtask.so.0.*"))
        self.assertEqual(len(real), 1, os.listdir(installed.libdir))
        self.assertEqual(os.readlink(os.path.join(installed.libdir, "libbgtask.so")), "libbgtask.so.0")
        dynamic = run(["readelf", "-d", real[0]])
        self.assertIn("Library soname: [libbgtask.so.0]", dynamic)
        lines = [line.split(None, 2)[2] for line in run(["nm", "-DC", "--defined-only", real[0]]).split("\n")
                 if line.strip()]
        self.assertIn("bgtask_scheduler_submit@@LIBBGTASK_0", lines)
        self.assertIn("typeinfo for bgtask::SchedulerError@@LIBBGTASK_0", lines)
        api = ("bgtask::", "bgtask_", "typeinfo for bgtask::", "typeinfo name for bgtask::", "vtable for bgtask::")
        for line in lines:
            if line == "LIBBGTASK_0":
                continue
            name, _, version = line.rpartition("@@")
            self.assertEqual(version, "LIBBGTASK_0", line)
            self.assertTrue(name.startswith(api), f"not part of the API: {line}")

    def test_pkg_config_and_the_cmake_package_describe_the_installed_tree(self):
        env = installed.env
        self.assertEqual(run(["pkg-config", "--modversion", "bgtask"], env=env).strip(), "0.1.0")
        cflags = run(["pkg-config", "--cflags", "bgtask"], env=env).strip()
        libs = run(["pkg-config", "--libs", "bgtask"], env=env).strip()
        self.assertEqual(os.path.realpath(cflags[2:]), os.path.realpath(os.path.join(installed.prefix, "include")))
        self.assertIn("-lbgtask", libs)
        config = os.path.join(installed.libdir, "cmake", "bgtask")
        self.assertTrue(os.path.exists(os.path.join(config, "bgtaskConfig.cmake")))
        self.assertTrue(os.path.exists(os.path.join(config, "bgtaskConfigVersion.cmake")))
        with open(glob.glob(os.path.join(config, "bgtaskTargets*.cmake"))[0]) as f:
            targets = f.read()
        self.assertIn("bgtask::bgtask", targets)
        self.assertNotIn("sdbus", targets)
        self.assertNotIn(BUILD, targets)

    def test_the_examples_built_out_of_tree_link_the_installed_library(self):
        for path, env in ((os.path.join(installed.pkgconfig_dir, "bgtask-example-export"),
                           dict(installed.env, LD_LIBRARY_PATH=installed.libdir)),
                          (os.path.join(installed.pkgconfig_dir, "bgtask-example-weather"),
                           dict(installed.env, LD_LIBRARY_PATH=installed.libdir)),
                          (os.path.join(installed.pkgconfig_dir, "bgtask-example-feeds"),
                           dict(installed.env, LD_LIBRARY_PATH=installed.libdir)),
                          (os.path.join(installed.cmake_dir, "export", "bgtask-example-export"), installed.env),
                          (os.path.join(installed.cmake_dir, "weather", "bgtask-example-weather"), installed.env),
                          (os.path.join(installed.cmake_dir, "feeds", "bgtask-example-feeds"), installed.env)):
            ldd = run(["ldd", path], env=env)
            line = next(line for line in ldd.split("\n") if "libbgtask.so.0" in line)
            self.assertIn(os.path.realpath(installed.libdir), os.path.realpath(line.split("=>")[1].split()[0]),
                          f"{path}: {line}")


class OutOfTreeExamplesTest(LibraryTestCase):
    """The examples built against the installation do their work against the real bgtaskd."""

    def install_apps(self):
        self.install_manifest("org.example.Export", ["org.example.Export.export.*"], kinds=("continued-processing",))
        self.install_manifest("org.example.Weather", ["org.example.Weather.refresh"])

    def test_the_cmake_built_export_example_completes_its_continued_task(self):
        target = os.path.join(self.tmp, "exports")
        out = subprocess.run([os.path.join(installed.cmake_dir, "export", "bgtask-example-export"), "--items", "3",
                              "--item-ms", "20", "--to", target], env=self.native_env(), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stdout)
        self.assertEqual(len(os.listdir(target)), 3)
        self.assertEqual(eventually(lambda: self.history(App="org.example.Export"), 5)[0]["Outcome"], "completed")

    def test_the_pkg_config_built_c_example_serves_its_refresh(self):
        env = dict(self.native_env(), LD_LIBRARY_PATH=installed.libdir)
        out = subprocess.run([os.path.join(installed.pkgconfig_dir, "bgtask-example-weather"), "--submit-in", "1"],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stdout)
        self.assertEqual(self.finished_run("org.example.Weather.refresh")["Outcome"], "completed")


if __name__ == "__main__":
    unittest.main()
