"""`tipwatch feeds` through the real commands against medallion on 127.0.0.1: publish a network (password from the
environment), pull it into a second store (summary JSON on stdout, exit 1 naming a rejected object), write a MISP
event file; refusals exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from exchange_helpers import PICTURES_B, POSTS_B, build
from feed_helpers import COLLECTIONS, PASSWORD, PICTURES_F, POSTS_F, USER, medallion
from taxii2client.v21 import Collection

from tipwatch.services.feeds import ValueScope, collect
from tipwatch.store.facade import open_store

TIPWATCH = str(Path(sys.executable).parent / "tipwatch")
WHY = ["--purpose", "joint case 7", "--legal-basis", "BNSS s.94 request 12/2026"]


def tw(*args: str, data: Path, password: str | None = PASSWORD) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "TIPWATCH_DATA_DIR": str(data)}
    if password is not None:
        env["TIPWATCH_TAXII_PASSWORD"] = password
    return subprocess.run([TIPWATCH, *args], capture_output=True, text=True, timeout=600, env=env)


def test_publish_pull_and_misp_export_from_the_command_line(tmp_path: Path) -> None:
    url_a, url_b = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    with open_store(url_a) as a, open_store(url_b) as b:
        build(a, tmp_path / "A", POSTS_F, PICTURES_F, "siteF")
        build(b, tmp_path / "B", POSTS_B, PICTURES_B, "siteB")
        member = a.links.membership()
        net = member[next(p for p in member if p.endswith("/f1"))]
        expected = {(i.kind, i.value) for i in collect(a, ValueScope(network_id=net)).indicators}
    data = tmp_path / "data"
    with medallion(tmp_path / "medallion") as taxii:
        where = ["--taxii", taxii.api_root, "--collection", COLLECTIONS["cli"], "--user", USER]
        done = tw("feeds", "publish", "--network", net, *where, "--tlp", "green", *WHY, "--db", url_a, data=data)
        assert done.returncode == 0, done.stderr
        assert f"{len(expected)} indicator(s)" in done.stderr and "TLP:GREEN" in done.stderr

        # A partner's bad object in the same collection: named on stderr, exit 1, the rest imported.
        bad_id = "indicator--00000000-0000-4000-8000-00000000beef"
        coll = Collection(f"{taxii.api_root}collections/{COLLECTIONS['cli']}/", user=USER, password=PASSWORD)
        bad = {
            "type": "indicator",
            "spec_version": "2.1",
            "id": bad_id,
            "created": "2026-11-01T00:00:00.000Z",
            "modified": "2026-11-01T00:00:00.000Z",
            "pattern": "[ipv4-addr:value = '10.0.0.1']",
            "pattern_type": "stix",
            "valid_from": "2026-11-01T00:00:00Z",
        }
        assert coll.add_objects(json.dumps({"objects": [bad]})).success_count == 1

        done = tw("feeds", "pull", *where, "--feed", "unit 7", *WHY, "--db", url_b, data=data)
        assert done.returncode == 1, done.stderr
        assert f"rejected {bad_id}: ipv4-addr:value is not a value tipwatch watches" in done.stderr
        summary = json.loads(done.stdout)
        assert summary["imported"] == len(expected) and summary["rejected"] == 1
        assert summary["read"] == summary["imported"] + summary["already"] + summary["skipped"] + summary["rejected"]

        # Refusals: a wrong password, no purpose.
        done = tw("feeds", "pull", *where, *WHY, "--db", url_b, data=data, password="wrong")
        assert done.returncode == 2 and "TAXII server refused" in done.stderr
        done = tw("feeds", "publish", "--network", net, *where, "--db", url_a, data=data)
        assert done.returncode == 2 and "--purpose" in done.stderr
        done = tw("feeds", "pull", *where, "--added-after", "last week", *WHY, "--db", url_b, data=data)
        assert done.returncode == 2 and "RFC 3339" in done.stderr
    with open_store(url_b) as b:
        assert {(r.kind, r.value) for r in b.feeds.indicators("unit 7")} == {
            ("image" if k.startswith("image_") else k, v) for k, v in expected
        }
        assert {r.tlp for r in b.feeds.indicators("unit 7")} == {"green"}

    out = tmp_path / "n.misp.json"
    done = tw("feeds", "misp-export", "--network", net, "--out", str(out), *WHY, "--db", url_a, data=data)
    assert done.returncode == 0, done.stderr
    event = json.loads(out.read_text())["Event"]
    assert {a["value"] for a in event["Attribute"]} == {v for _, v in expected}
    bundle = tmp_path / "n.stix.json"
    done = tw("feeds", "export", "--network", net, "--out", str(bundle), *WHY, "--db", url_a, data=data)
    assert done.returncode == 0, done.stderr
    objects = json.loads(bundle.read_text())["objects"]
    definitions = {o["name"] for o in objects if o["type"] == "extension-definition"}
    assert definitions == {"tipwatch phone number", "tipwatch crypto wallet", "tipwatch image PDQ hash"}
    assert sum(o["type"] == "indicator" for o in objects) == len(expected)
    url_c = f"sqlite:///{tmp_path / 'c.db'}"  # a partner without a TAXII server: the bundle as a file
    done = tw("feeds", "import", str(bundle), "--feed", "file from unit 7", *WHY, "--db", url_c, data=data)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["imported"] == len(expected)
    # The partner revokes one indicator: a newer version of it, imported the same way, stops its watch.
    first = next(o for o in objects if o["type"] == "indicator")
    revoked = {**first, "revoked": True, "modified": "2099-01-01T00:00:00.000Z"}
    (tmp_path / "revoked.json").write_text(json.dumps({"type": "bundle", "id": "bundle--2", "objects": [revoked]}))
    done = tw(
        "feeds", "import", str(tmp_path / "revoked.json"), "--feed", "file from unit 7", *WHY, "--db", url_c, data=data
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["withdrawn"] == 1 and summary["skipped_by_reason"] == {"revoked": 1}
    assert "1 watch(es) stopped" in done.stderr
    with open_store(url_c) as c:
        assert len(c.watches.active()) == len(expected) - 1
    done = tw("feeds", "misp-export", "--out", str(out), *WHY, "--db", url_a, data=data)
    assert done.returncode == 2 and "--network or --case" in done.stderr
