# SPDX-License-Identifier: LGPL-2.1-or-later
"""cmake --install into a prefix of one's own: every file lands inside the prefix (staged with DESTDIR,
so that a stray absolute destination shows up outside it instead of writing to the system), the
units and D-Bus activation files name binaries that were installed, bgtaskctl runs from there without
LD_LIBRARY_PATH (RPATH relative to itself), and bgtask.pc gives clean paths."""
import configparser
import os
import shlex
import shutil
import subprocess
import tempfile
import unittest

BUILD = os.environ.get("BGTASK_BUILD_DIR", "")


def run(cmd, env=None):
    out = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=240)
    if out.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {out.returncode}:\n{out.stdout}")
    return out.stdout


def exec_paths(path):
    """The programs an installed unit or D-Bus service file runs (Exec*= lines)."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(path)
    found = []
    for section in parser.sections():
        for key, value in parser[section].items():
            if key.startswith("Exec"):
                found.append(shlex.split(value)[0].lstrip("-@:+!"))
    return found


class PrefixInstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="bgtaskd-prefix-install-")
        cls.stage = os.path.join(cls.root, "stage")
        cls.prefix = os.path.join(cls.root, "opt", "bgtaskd")
        run(["cmake", "--install", BUILD, "--prefix", cls.prefix], env=dict(os.environ, DESTDIR=cls.stage))
        cls.installed = os.path.join(cls.stage, cls.prefix.lstrip("/"))
        cls.files = []
        for where, dirs, files in os.walk(cls.stage):
            cls.files += [os.path.join(where, name) for name in files]
            cls.files += [os.path.join(where, name) for name in dirs if os.path.islink(os.path.join(where, name))]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.root, ignore_errors=True)

    def staged(self, path):
        """Where an absolute path inside the prefix lives in the staging directory."""
        return os.path.join(self.stage, path.lstrip("/"))

    def test_every_installed_file_is_inside_the_prefix(self):
        outside = [os.path.relpath(path, self.stage) for path in self.files
                   if not path.startswith(self.installed + os.sep)]
        self.assertEqual(outside, [])
        for relative in ("libexec/bgtaskd", "bin/bgtaskctl", "lib/systemd/user/bgtaskd.service",
                         "lib/systemd/system/bgtaskd.service", "share/dbus-1/services/org.bgtaskd.service",
                         "share/dbus-1/system-services/org.bgtaskd.service", "share/dbus-1/system.d/org.bgtaskd.conf",
                         "share/polkit-1/actions/org.bgtaskd.policy"):
            self.assertTrue(os.path.exists(os.path.join(self.installed, relative)), relative)

    def test_units_and_activation_files_run_installed_programs(self):
        checked = 0
        for relative in ("lib/systemd/user/bgtaskd.service", "lib/systemd/system/bgtaskd.service",
                         "share/dbus-1/services/org.bgtaskd.service",
                         "share/dbus-1/system-services/org.bgtaskd.service"):
            programs = exec_paths(os.path.join(self.installed, relative))
            self.assertTrue(programs, relative)
            for program in programs:
                self.assertTrue(os.path.isabs(program), f"{relative}: {program}")
                if program.startswith(self.prefix + os.sep):
                    program = self.staged(program)
                else:   # a system tool, e.g. ExecReload=/bin/kill
                    self.assertFalse(program.startswith(os.path.dirname(self.prefix)), f"{relative}: {program}")
                self.assertTrue(os.access(program, os.X_OK), f"{relative}: {program} is not an installed program")
                checked += 1
        daemon = self.staged(exec_paths(os.path.join(self.installed, "share/dbus-1/services/org.bgtaskd.service"))[0])
        self.assertIn("0.1.0", run([daemon, "--version"]))
        self.assertGreaterEqual(checked, 4)

    def test_bgtaskctl_finds_the_installed_library_without_ld_library_path(self):
        env = dict(os.environ)
        env.pop("LD_LIBRARY_PATH", None)
        ctl = os.path.join(self.installed, "bin", "bgtaskctl")
        ldd = run(["ldd", ctl], env=env)
        line = next(line for line in ldd.split("\n") if "libbgtask.so.0" in line)
        self.assertEqual(os.path.realpath(line.split("=>")[1].split()[0]),
                         os.path.realpath(os.path.join(self.installed, "lib", "libbgtask.so.0")), line)
        self.assertIn("0.1.0", run([ctl, "--version"], env=env))

    def test_bgtask_pc_names_the_prefix_with_clean_paths(self):
        [pc] = [path for path in self.files if path.endswith("/pkgconfig/bgtask.pc")]
        with open(pc) as f:
            text = f.read()
        self.assertIn(f"prefix={self.prefix}\n", text)
        self.assertNotIn("..", text)
        self.assertNotIn("pcfiledir", text)
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pc))
        self.assertEqual(run(["pkg-config", "--cflags", "bgtask"], env=env).split(),
                         [f"-I{self.prefix}/include"])
        self.assertEqual(run(["pkg-config", "--libs", "bgtask"], env=env).split(),
                         [f"-L{self.prefix}/lib", "-lbgtask"])


if __name__ == "__main__":
    unittest.main()
