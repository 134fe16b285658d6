#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A stand-in for accel-config in tests of ci/dsa-setup: appends its
arguments (one JSON list per line) to $FAKE_ACCFG_LOG and does to the fake
sysfs tree under $FAKE_SYSFS what the idxd driver would show afterwards
(device nodes appear under $FAKE_DEVDIR when a WQ is enabled).  Exits 1
with a message for what the kernel refuses (configuring an enabled WQ or
device, enabling a WQ of a disabled device); $FAKE_ACCFG_FAIL makes the
command whose first words match it fail."""

import json
import os
import sys

OPTS = {"--group-id": "group_id", "--wq-size": "size", "--mode": "mode", "--type": "type",
        "--name": "name", "--driver-name": "driver_name", "--priority": "priority",
        "--block-on-fault": "block_on_fault", "--threshold": "threshold",
        "--max-batch-size": "max_batch_size", "--max-transfer-size": "max_transfer_size"}


def path(*p):
    return os.path.join(os.environ["FAKE_SYSFS"], *p)


def get(*p):
    with open(path(*p)) as f:
        return f.read().strip()


def put(value, *p):
    with open(path(*p), "w") as f:
        f.write(f"{value}\n")


def fail(msg):
    print(f"fake accel-config: {msg}", file=sys.stderr)
    sys.exit(1)


def main(args):
    with open(os.environ["FAKE_ACCFG_LOG"], "a") as f:
        f.write(json.dumps(args) + "\n")
    if os.environ.get("FAKE_ACCFG_FAIL") and " ".join(args).startswith(os.environ["FAKE_ACCFG_FAIL"]):
        fail("injected failure")
    cmd, target = args[0], args[1]
    dev, _, obj = target.partition("/")
    if cmd == "disable-wq":
        put("disabled", obj, "state")
    elif cmd == "disable-device":
        for n in os.listdir(path()):
            if n.startswith(f"wq{dev[3:]}.") and get(n, "state") == "enabled":
                fail(f"{n} still enabled")
        put("disabled", dev, "state")
    elif cmd == "enable-device":
        put("enabled", dev, "state")
    elif cmd == "enable-wq":
        if get(dev, "state") != "enabled":
            fail(f"{dev} is disabled")
        put("enabled", obj, "state")
        open(os.path.join(os.environ["FAKE_DEVDIR"], obj), "w").close()
    elif cmd in ("config-wq", "config-engine"):
        if get(dev, "state") == "enabled":
            fail(f"{dev} is enabled: disable it first")
        for opt in args[2:]:
            key, _, value = opt.partition("=")
            if key not in OPTS:
                fail(f"unknown option {key}")
            if key == "--driver-name" and not os.path.exists(path(obj, "driver_name")):
                fail("this kernel has no driver_name")
            put(value, obj, OPTS[key])
    else:
        fail(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv[1:])
