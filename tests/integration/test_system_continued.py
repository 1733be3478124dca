# SPDX-License-Identifier: LGPL-2.1-or-later
"""Continued processing that asks for the GPU, against a umockdev testbed with and without a
DRM render node: what Scheduler1.GetSupportedResources answers, and which submits are allowed
or refused (entitlement missing, no render node)."""
import unittest

import dbus

from bgtaskd_testlib import eventually
from system_testlib import SystemStateTestCase

GPU_APP = "org.example.Render"
PLAIN_APP = "org.example.Plain"


class GpuTestCase(SystemStateTestCase):
    mocks = ()
    battery = None

    def install_apps(self):
        self.install_manifest(GPU_APP, [f"{GPU_APP}.render.*"], kinds=("continued-processing",),
                              entitlements=("gpu",))
        self.install_manifest(PLAIN_APP, [f"{PLAIN_APP}.render.*"], kinds=("continued-processing",))

    def start(self, app_id):
        self.run_testapp(app_id, "complete", [f"{app_id}.render.1"], ["--idle-exit", "0"])
        unique = self.app_events(app_id, "ready")[-1]["unique_name"]
        return dbus.Interface(self.bus.get_object(unique, "/Test"), "org.bgtaskd.Test")

    @staticmethod
    def submit_gpu(control, identifier):
        options = dbus.Dictionary({"Title": "Render", "RequiredResources": dbus.Array(["gpu"], signature="s")},
                                  signature="sv")
        return str(control.Submit("continued-processing", identifier, options))


class GpuAvailableTest(GpuTestCase):
    render_node = True

    def test_an_entitled_app_gets_the_gpu_and_its_task_runs(self):
        self.wait_state("GpuAvailable", True)
        control = self.start(GPU_APP)
        supported, unavailable = control.GetSupportedResources()
        self.assertEqual(([str(s) for s in supported], dict(unavailable)), (["gpu"], {}))
        self.assertEqual(self.submit_gpu(control, f"{GPU_APP}.render.1"), "ok")
        run = eventually(lambda: self.history(App=GPU_APP), 10)[0]
        self.assertEqual(str(run["Outcome"]), "completed")

    def test_an_app_without_the_entitlement_is_refused(self):
        self.wait_state("GpuAvailable", True)
        control = self.start(PLAIN_APP)
        supported, unavailable = control.GetSupportedResources()
        self.assertEqual(([str(s) for s in supported], {str(k): str(v) for k, v in unavailable.items()}),
                         ([], {"gpu": "entitlement-missing"}))
        answer = self.submit_gpu(control, f"{PLAIN_APP}.render.1")
        self.assertTrue(answer.startswith("org.bgtaskd.Error.NotPermitted: entitlement-missing: "), answer)


class GpuMissingTest(GpuTestCase):
    render_node = False

    def test_without_a_render_node_the_gpu_is_unsupported(self):
        self.wait_state("GpuAvailable", False)
        control = self.start(GPU_APP)
        supported, unavailable = control.GetSupportedResources()
        self.assertEqual(([str(s) for s in supported], {str(k): str(v) for k, v in unavailable.items()}),
                         ([], {"gpu": "no-render-node"}))
        answer = self.submit_gpu(control, f"{GPU_APP}.render.1")
        self.assertTrue(answer.startswith("org.bgtaskd.Error.NotPermitted: gpu-unsupported: "), answer)
        self.assertEqual(self.list_requests(), [])
        # A render node appearing makes it supported.
        self.testbed.add_device("drm", "renderD129", None, ["dev", "226:129"], ["DEVNAME", "/dev/dri/renderD129"])
        self.wait_state("GpuAvailable", True)
        self.assertEqual(self.submit_gpu(control, f"{GPU_APP}.render.1"), "ok")


if __name__ == "__main__":
    unittest.main()
