"""Drives pask over SSH with Netmiko's cisco_ios driver; prints one JSON object of what it saw.

usage: netmiko_driver.py PORT   (users admin/s3cret privilege 15, viewer/v1ew privilege 1,
                                 enable secret en4ble must exist)
"""
import json
import sys

from netmiko import ConnectHandler
from netmiko.ssh_exception import NetMikoAuthenticationException

port = int(sys.argv[1])
out = {}


def device(username, password, **kw):
    return ConnectHandler(device_type="cisco_ios", host="127.0.0.1", port=port,
                          username=username, password=password, **kw)


# A privilege-15 user: prompt, show commands, a config set with apply.
c = device("admin", "s3cret")
out["admin_prompt"] = c.find_prompt()
out["show_real_before"] = c.send_command("show real")
out["config_set"] = c.send_config_set([
    "real 42",
    "name netmiko42",
    "rip 10.42.0.42",
    "rport 8080",
    "apply",
])
out["running"] = c.send_command("show running-config")
out["admin_prompt_after"] = c.find_prompt()
c.disconnect()

# A privilege-1 user: HOST>, read only, enable with the secret.
v = device("viewer", "v1ew", secret="en4ble")
out["viewer_prompt"] = v.find_prompt()
out["viewer_show_real"] = v.send_command("show real 42")
out["viewer_running"] = v.send_command("show running-config")
v.enable()
out["viewer_enabled_prompt"] = v.find_prompt()
out["viewer_running_enabled"] = v.send_command("show running-config | include netmiko42")
v.disconnect()

# A wrong password.
try:
    device("admin", "not-the-password")
    out["wrong_password"] = "accepted"
except NetMikoAuthenticationException:
    out["wrong_password"] = "refused"

print(json.dumps(out))
