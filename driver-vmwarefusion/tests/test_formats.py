"""The .vmx, vmnet's dhcpd.conf and lease files, and ``vmrun list``, against recorded formats."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from minikube.machine import normalize_mac
from minikube_driver_vmwarefusion import (
    VMXSettings,
    generated_mac,
    hosts_from_dhcpd_conf,
    ip_from_files,
    ip_from_leases,
    leases,
    parse_vmx,
    render_vmx,
    running_vmx_paths,
)

FIXTURES = Path(__file__).parent / "fixtures"


def settings(**kw: object) -> VMXSettings:
    base: dict[str, object] = dict(display_name="minikube", iso="/Users/a/.minikube/machines/minikube/boot2docker.iso",
                                   vmdk="minikube.vmdk", memory_mb=4096, cpus=4)
    base.update(kw)
    return VMXSettings(**base)  # type: ignore[arg-type]


def test_the_vmx_carries_the_keys_of_spec_7() -> None:
    vmx = parse_vmx(render_vmx(settings()))
    expected = {
        "displayName": "minikube", "ethernet0.connectionType": "nat", "ethernet0.virtualDev": "vmxnet3",
        "ethernet0.addressType": "generated", "guestOS": "other3xlinux-64",
        "sata0:1.fileName": "/Users/a/.minikube/machines/minikube/boot2docker.iso",
        "sata0:1.deviceType": "cdrom-image", "memsize": "4096", "numvcpus": "4", "scsi0.virtualDev": "pvscsi",
        "scsi0:0.fileName": "minikube.vmdk", "virtualHW.version": "10", "powerType.powerOff": "soft",
        "powerType.powerOn": "soft", "powerType.reset": "soft", "powerType.suspend": "soft",
        "msg.autoanswer": "TRUE", "uuid.action": "create",
    }
    assert {k: vmx[k] for k in expected} == expected
    assert generated_mac(render_vmx(settings())) is None  # VMware writes it at first power-on


def test_awkward_characters_in_values_round_trip() -> None:
    name = 'a "quoted" | name'
    text = render_vmx(settings(display_name=name))
    assert 'displayName = "a |22quoted|22 |7C name"' in text
    assert parse_vmx(text)["displayName"] == name


def test_generated_mac_is_read_from_what_fusion_appends() -> None:
    text = render_vmx(settings()) + 'ethernet0.generatedAddress = "00:0C:29:9D:6E:3A"\nethernet0.generatedAddressOffset = "0"\n'
    assert generated_mac(text) == "00:0c:29:9d:6e:3a"


def test_dhcpd_conf_host_blocks() -> None:
    hosts = hosts_from_dhcpd_conf((FIXTURES / "dhcpd.conf").read_text())
    assert hosts == {normalize_mac("00:50:56:c0:00:08"): "172.16.21.1",
                     normalize_mac("00:0c:29:aa:bb:01"): "172.16.21.50"}


def test_leases_are_read_with_their_end_times() -> None:
    found = leases((FIXTURES / "vmnet-dhcpd-vmnet8.leases").read_text())
    assert [(x.ip, x.mac) for x in found] == [("172.16.21.128", "00:0c:29:9d:6e:3a"),
                                              ("172.16.21.131", "00:0c:29:9d:6e:3a"),
                                              ("172.16.21.129", "00:0c:29:12:34:56"),
                                              ("172.16.21.130", "00:0c:29:9d:6e:3a")]
    assert found[1].ends == datetime.datetime(2020, 9, 2, 8, 45, 44)


def test_the_lease_that_ends_last_wins_wherever_it_is_in_the_file() -> None:
    text = (FIXTURES / "vmnet-dhcpd-vmnet8.leases").read_text()
    assert ip_from_leases(text, "00:0c:29:9d:6e:3a") == "172.16.21.131"
    assert ip_from_leases(text, "00:0C:29:9D:6E:3A") == "172.16.21.131"
    assert ip_from_leases(text, "00:0c:29:12:34:56") == "172.16.21.129"
    assert ip_from_leases(text, "00:0c:29:00:00:00") is None


def test_unreadable_lease_blocks_do_not_hide_good_ones() -> None:
    text = ("lease 10.0.0.9 {\n\tends 2 not-a-date;\n\thardware ethernet 00:0c:29:9d:6e:3a;\n}\n"
            "lease garbage\n\tjunk;\n}\n"
            "lease 10.0.0.7 {\n\tends 2 2020/01/01 00:00:00;\n\thardware ethernet 00:0c:29:9d:6e:3a;\n}\n"
            "lease 10.0.0.8 {\n\tends 2 2020/01/01 00:00:00;\n\thardware ethernet zz:zz;\n}\n")
    assert ip_from_leases(text, "00:0c:29:9d:6e:3a") == "10.0.0.7"


def test_conf_host_blocks_come_before_leases(tmp_path: Path) -> None:
    conf, lease = FIXTURES / "dhcpd.conf", FIXTURES / "vmnet-dhcpd-vmnet8.leases"
    pinned = tmp_path / "pinned.leases"
    pinned.write_text("lease 172.16.21.200 {\n\tends 2 2030/01/01 00:00:00;\n\thardware ethernet 00:0c:29:aa:bb:01;\n}\n")
    assert ip_from_files([conf], [pinned], "00:0c:29:aa:bb:01") == "172.16.21.50"
    assert ip_from_files([conf], [lease], "00:0c:29:9d:6e:3a") == "172.16.21.131"
    with pytest.raises(LookupError, match=r"IP not found for MAC 00:0c:29:00:00:01 in DHCP leases \(.*dhcpd.conf"):
        ip_from_files([conf, tmp_path / "absent.conf"], [lease], "00:0c:29:00:00:01")


def test_vmrun_list_outputs() -> None:
    assert running_vmx_paths((FIXTURES / "vmrun-list-none.txt").read_text()) == []
    assert running_vmx_paths((FIXTURES / "vmrun-list-two.txt").read_text()) == [
        "/Users/alice/Documents/Virtual Machines.localized/Windows 10 x64.vmwarevm/Windows 10 x64.vmx",
        "/Users/alice/.minikube/machines/minikube/minikube.vmx"]
