"""The profile's nodes as minikube's ``ClusterConfig.Nodes`` records them: names, machine names,
the JSON shape, old profiles without the key, and what a driver's config creator sees."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from minikube import ConfigError
from minikube.config import ClusterConfig, Node, node_name, primary_node
from minikube.machine import shares_of


def three() -> ClusterConfig:
    return ClusterConfig(name="p", nodes=[primary_node(), Node(name="m02"), Node(name="m03")])


def test_machine_names_as_minikube_names_them() -> None:
    cfg = three()
    assert [cfg.machine_name_of(n) for n in cfg.nodes] == ["p", "p-m02", "p-m03"]
    assert ClusterConfig(name="solo").machine_name == "solo"  # no node being configured: the profile's
    from dataclasses import replace

    assert replace(cfg, node=cfg.nodes[1]).machine_name == "p-m02"
    assert cfg.find_node("m03") is cfg.nodes[2] and cfg.find_node("p-m03") is cfg.nodes[2]
    assert cfg.find_node("p") is cfg.nodes[0] and cfg.find_node("q-m02") is None and cfg.find_node("m04") is None


def test_next_name_follows_the_last_node() -> None:
    cfg = three()
    assert cfg.next_node_name() == "m04"
    del cfg.nodes[1]
    assert cfg.next_node_name() == "m04"
    assert ClusterConfig(name="p").next_node_name() == "m02"
    assert node_name(12) == "m12" and Node(name="m12").number == 12 and primary_node().number == 1


def test_json_round_trip_in_minikubes_shape() -> None:
    cfg = three()
    cfg.nodes[1].ip = "192.168.39.3"
    doc = json.loads(cfg.to_json())
    assert doc["Nodes"][1] == {"Name": "m02", "IP": "192.168.39.3", "Port": 0, "KubernetesVersion": "",
                               "ContainerRuntime": "", "ControlPlane": False, "Worker": True}
    assert doc["Nodes"][0]["ControlPlane"] is True and "Node" not in doc  # the node being configured is not saved
    back = ClusterConfig.from_json(cfg.to_json())
    assert back.nodes == cfg.nodes and back.node is None


def test_an_old_profile_has_its_one_node() -> None:
    old = {"Name": "p", "Driver": "kvm2", "CPUs": 2, "Memory": 2048}
    cfg = ClusterConfig.from_json(json.dumps(old))
    assert cfg.nodes == [primary_node()] and cfg.multi_node_requested is False


@pytest.mark.parametrize("nodes, said", [
    ("x", '"Nodes" is "x", not an array'),
    ([3], "a node is 3, not an object"),
    ([{"Name": 2}], '"Name" is 2, not a string'),
    ([{"Worker": "yes"}], '"Worker" is "yes", not true or false'),
    ([{"Port": True}], '"Port" is true, not a whole number'),
])
def test_bad_nodes_are_a_corrupt_profile(nodes: object, said: str) -> None:
    with pytest.raises(ConfigError, match="corrupt") as e:
        ClusterConfig.from_json(json.dumps({"Name": "p", "Nodes": nodes}))
    assert said in e.value.message


def test_a_worker_gets_no_shares() -> None:
    from dataclasses import replace

    share = {"Kind": "9p", "HostPath": "/tmp", "GuestPath": "/mnt", "Tag": "mk-1", "Options": []}
    cfg = replace(three(), mounts=[share])
    assert len(shares_of(replace(cfg, node=cfg.nodes[0]))) == 1 and len(shares_of(cfg)) == 1
    assert shares_of(replace(cfg, node=cfg.nodes[1])) == ()


@given(st.integers(min_value=2, max_value=999))
def test_node_names_round_trip(n: int) -> None:
    assert Node(name=node_name(n)).number == n
