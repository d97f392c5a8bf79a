"""Hot-plug for the guest, through QEMU's QMP socket.

A test in the guest asks by writing "unplug ID" or "replug ID" to
RUN/results/qmp/request (its own IGT_QMP_DIR: the guest sees the results
folder at the same path, tests/vm/init). vmrun calls poll() while the VM
runs; the answer goes to RUN/results/qmp/reply: "ok" or what went wrong.

unplug: device_del, then wait for QEMU's DEVICE_DELETED event, which comes
once the guest has handled the ACPI eject request (acpiphp: the device is
removed, then ejected). replug: device_add with the -device options the VM was
started with for that id. A device backed by a memory backend (ivshmem's
memdev) gets a new backend over the same file: QEMU 7.2 aborts when a
device is added again on a backend whose RAM block is already named.
"""
import json
import os
import socket
import time

# Bounds for a guest that a busy host runs slowly. DEVICE_DELETED comes once
# the guest has handled the ACPI eject (seconds when the host is idle), so
# the wait for it is generous; a reply to a command comes from QEMU itself.
# Neither decides a test by its length: running out is an error reported
# to the guest, which fails the test that asked.
EVENT_WAIT = 300
REPLY_WAIT = 60


class Hotplug:
    def __init__(self, run_dir, qemu_cmd):
        self.dir = os.path.join(run_dir, "results", "qmp")
        self.sock_path = os.path.join(run_dir, "qmp.sock")
        self.sock = None
        self.buf = b""
        self.devices = {}
        self.objects = {}
        self.replugs = 0
        for opt, val in zip(qemu_cmd, qemu_cmd[1:]):
            if opt not in ("-device", "-object"):
                continue
            kind, *rest = val.split(",")
            props = dict(p.split("=", 1) for p in rest if "=" in p)
            if "id" not in props:
                continue
            if opt == "-device":
                self.devices[props["id"]] = dict(props, driver=kind)
            else:
                self.objects[props["id"]] = dict(props, **{"qom-type": kind})
        os.makedirs(self.dir, exist_ok=True)

    def _connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.sock_path)
        self._message()                                   # the greeting
        self._command("qmp_capabilities")

    def _message(self, deadline=None):
        while b"\n" not in self.buf:
            self.sock.settimeout(max(0.1, deadline - time.monotonic()) if deadline else REPLY_WAIT)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise OSError("QMP socket closed")
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)

    def _command(self, name, **arguments):
        self.sock.sendall(json.dumps({"execute": name, "arguments": arguments}).encode() + b"\n")
        while True:
            msg = self._message()
            if "return" in msg:
                return msg["return"]
            if "error" in msg:
                raise RuntimeError(msg["error"].get("desc", str(msg["error"])))

    def _wait_event(self, event, device_id):
        deadline = time.monotonic() + EVENT_WAIT
        while time.monotonic() < deadline:
            try:
                msg = self._message(deadline)
            except socket.timeout:
                break
            if msg.get("event") == event and msg.get("data", {}).get("device") == device_id:
                return
        raise RuntimeError(f"no {event} for {device_id} within {EVENT_WAIT} s")

    def _do(self, verb, device_id):
        if device_id not in self.devices:
            raise RuntimeError(f"no device with id {device_id} in this VM")
        if self.sock is None:
            self._connect()
        if verb == "unplug":
            self._command("device_del", id=device_id)
            self._wait_event("DEVICE_DELETED", device_id)
        elif verb == "replug":
            props = dict(self.devices[device_id])
            if props.get("memdev") in self.objects:
                props["memdev"] = self._new_backend(props["memdev"])
            self._command("device_add", **props)
        else:
            raise RuntimeError(f"unknown request {verb}")

    def _new_backend(self, old_id):
        """Add a copy of memory backend OLD_ID under a new id; return the id."""
        self.replugs += 1
        obj = dict(self.objects[old_id], id=f"{old_id}-replug{self.replugs}")
        if "size" in obj:
            obj["size"] = int(obj["size"])
        if "share" in obj:
            obj["share"] = obj["share"] == "on"
        self._command("object-add", **obj)
        return obj["id"]

    def poll(self):
        """Serve a pending request, if there is one."""
        req = os.path.join(self.dir, "request")
        if not os.path.exists(req):
            return
        with open(req) as f:
            words = f.read().split()
        os.unlink(req)
        try:
            if len(words) != 2:
                raise RuntimeError(f"bad request {' '.join(words)!r}")
            self._do(*words)
            answer = "ok"
        except (OSError, RuntimeError, ValueError) as e:
            answer = f"{type(e).__name__}: {e}"
        tmp = os.path.join(self.dir, "reply.tmp")
        with open(tmp, "w") as f:
            f.write(answer + "\n")
        os.replace(tmp, os.path.join(self.dir, "reply"))
