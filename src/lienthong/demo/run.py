"""``lienthong demo``: seed a network once (test PKI, hub registry, dms agencies and users,
documents in flight), then run the hub's server and worker, the dms's server and worker and the
test PKI's OCSP/CRL server until SIGINT or SIGTERM.

No Django here: each site's seeding runs in a subprocess under its own settings. What was seeded
is recorded in ``DATA_DIR/demo.json`` (credentials included: it is demo data), so a second run
reuses it.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import network
from .processes import (
    Child,
    DemoError,
    Interrupted,
    Supervisor,
    answers,
    clean_env,
    listening,
    port_is_free,
)

STATE_VERSION = 1
Say = Callable[[str], None]


@dataclass(frozen=True)
class Ports:
    hub: int
    dms: int
    pki: int


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def state_file(self) -> Path:
        return self.root / "demo.json"

    @property
    def hub(self) -> Path:
        return self.root / "hub"

    @property
    def dms(self) -> Path:
        return self.root / "dms"

    @property
    def pki(self) -> Path:
        return self.root / "pki"

    @property
    def logs(self) -> Path:
        return self.root / "logs"


def hub_env(layout: Layout) -> dict[str, str]:
    return clean_env({"LIENTHONG_DATA_DIR": str(layout.hub)})


def dms_env(layout: Layout, root_pem: str) -> dict[str, str]:
    return clean_env(
        {
            "LIENTHONG_DMS_DATA_DIR": str(layout.dms),
            "LIENTHONG_DMS_TRUST_ANCHORS": root_pem,
        }
    )


def _load_state(layout: Layout) -> dict[str, Any]:
    if not layout.state_file.exists():
        return {"version": STATE_VERSION, "steps": []}
    try:
        state = json.loads(layout.state_file.read_text())
    except (OSError, ValueError) as exc:
        raise DemoError(
            f"{layout.state_file} cannot be read ({exc}); start again with --fresh"
        ) from None
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
        raise DemoError(f"{layout.state_file} is from another version; start again with --fresh")
    return state


def _save_state(layout: Layout, state: dict[str, Any]) -> None:
    temporary = layout.state_file.with_suffix(".tmp")
    temporary.touch(0o600)
    temporary.write_text(json.dumps(state, ensure_ascii=False, indent=2))
    temporary.replace(layout.state_file)


def prepare_directory(layout: Layout, *, fresh: bool) -> None:
    """The data folder, emptied first with ``--fresh`` — only if it is a demo's (or empty)."""
    root = layout.root
    if root.exists() and not root.is_dir():
        raise DemoError(f"{root} is not a folder")
    if fresh and root.exists():
        if any(root.iterdir()) and not layout.state_file.exists():
            raise DemoError(
                f"{root} is not empty and holds no demo.json: not a demo's data folder, "
                "so --fresh will not delete it; choose another --data-dir"
            )
        try:
            shutil.rmtree(root)
        except OSError as exc:
            raise DemoError(f"cannot delete {root}: {exc.strerror}") from None
    try:
        for folder in (layout.root, layout.hub, layout.dms, layout.pki, layout.logs):
            folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DemoError(f"cannot create {root}: {exc.strerror}") from None


def check_ports(ports: Ports, state: dict[str, Any]) -> None:
    named = {"--hub-port": ports.hub, "--dms-port": ports.dms, "the test PKI's port": ports.pki}
    if len(set(named.values())) != len(named):
        raise DemoError(f"the ports must differ: {named}")
    seeded_hub = state.get("hub_port")
    if seeded_hub is not None and seeded_hub != ports.hub:
        raise DemoError(
            f"this demo's dms was set up to reach the hub on port {seeded_hub}: run with "
            f"--hub-port {seeded_hub}, or start again with --fresh"
        )
    for option, port in named.items():
        if not port_is_free(port):
            what = "--pki-port" if option.startswith("the") else option
            raise DemoError(
                f"port {port} ({option}) is in use on 127.0.0.1 (another demo or server "
                f"running?); stop it or choose another port with {what}"
            )


# --- seeding ---------------------------------------------------------------------------------


def _open_pki(layout: Layout, state: dict[str, Any], pki_port: int) -> None:
    from lienthong.signatures import testpki

    if any(layout.pki.iterdir()):
        info = testpki.open_pki(layout.pki)
    else:
        info = testpki.init_pki(layout.pki, port=pki_port)
    state["pki"] = {"root": str(info.root), "port": info.port, "dir": str(layout.pki)}


def _issue_certificates(layout: Layout, state: dict[str, Any]) -> None:
    """A certificate for every agency, and for every leader (the personal signature)."""
    from lienthong.signatures import testpki

    credentials = state.setdefault("credentials", {})
    for agency in network.AGENCIES:
        if agency.code not in credentials:
            made = testpki.issue_agency(layout.pki, code=agency.code, name=agency.name)
            credentials[agency.code] = _credential(made)
    persons = state.setdefault("persons", {})
    for hosted in network.HOSTED:
        for login in hosted.logins:
            if login.role == "leader" and login.username not in persons:
                made = testpki.issue_person(
                    layout.pki, name=login.full_name, title=login.position, agency=hosted.code
                )
                persons[login.username] = _credential(made)


def _credential(made: Any) -> dict[str, str]:
    return {
        "key": str(made.key),
        "cert": str(made.cert),
        "chain": str(made.chain),
        "p12": str(made.p12),
        "p12_password": made.p12_password,
    }


def _spawn_hub_seeding(sup: Supervisor, layout: Layout, state: dict[str, Any]) -> Child:
    plan = network.plan() | {"trust_root": state["pki"]["root"]}
    plan_path = layout.root / "hub-plan.json"
    plan_path.write_text(json.dumps(plan, ensure_ascii=False))
    out = layout.root / "hub-credentials.json"
    return sup.spawn(
        "seed-hub", ["lienthong.demo.seed_hub", str(plan_path), str(out)], hub_env(layout)
    )


def _hub_seeded(sup: Supervisor, layout: Layout, state: dict[str, Any], child: Child) -> None:
    sup.finish(child)
    out = layout.root / "hub-credentials.json"
    state["systems"] = json.loads(out.read_text())["systems"]
    out.unlink()
    (layout.root / "hub-plan.json").unlink()


def _send_directive(state: dict[str, Any], hub_url: str) -> dict[str, str]:
    """The Government Office's directive to the province, from its own (third-party) system,
    through the client SDK."""
    from lienthong.client import HubClient
    from lienthong.edxml import Organization
    from lienthong.edxml.model import Code

    from .messages import edoc, load_key, signed

    office = next(a for a in network.AGENCIES if a.code == network.GOVERNMENT_OFFICE)
    province = next(a for a in network.AGENCIES if a.code == network.PROVINCE)
    credential = state["credentials"][office.code]
    system = state["systems"][f"he-thong-{office.code}"]
    subject = "Chỉ thị về đẩy mạnh gửi, nhận văn bản điện tử giữa các cơ quan hành chính"
    message = edoc(
        sender=Organization(office.code, organ_name=office.name),
        recipients=[Organization(province.code, organ_name=province.name)],
        subject=subject,
        code=Code("15", "CT-TTg"),
        type_name="Chỉ thị",
        date=dt.date.today(),
    )
    data = signed(message, load_key(credential["p12"], credential["p12_password"]))
    with HubClient(hub_url, system["client_id"], system["client_secret"]) as hub:
        hub.submit(data)
    return {"document": subject, "state": "đã gửi từ Văn phòng Chính phủ; đến khi dms worker chạy"}


def seed(
    sup: Supervisor, layout: Layout, state: dict[str, Any], ports: Ports, say: Say
) -> Child | None:
    """Every seeding step not done yet; ``state["steps"]`` records those done. The hub's
    registry, the certificates and the dms's migrations are made side by side; the dms's users
    are still being made when this returns (the step to :func:`dms_seeded`), while the
    servers start."""
    from lienthong.signatures.errors import SignaturesError

    steps: list[str] = state["steps"]

    def done(step: str) -> None:
        steps.append(step)
        _save_state(layout, state)

    if {"pki", "hub", "dms"} <= set(steps):
        say(f"Dùng lại dữ liệu đã khởi tạo / reusing the seeded data in {layout.root}")
    else:
        say("Cấp chứng thư số thử nghiệm (test PKI); khởi tạo trục và phần mềm quản lý văn bản…")
    try:
        _open_pki(layout, state, ports.pki)
    except SignaturesError as exc:
        raise DemoError(f"the test PKI: {exc}") from None
    root = state["pki"]["root"]
    hub_seeding = _spawn_hub_seeding(sup, layout, state) if "hub" not in steps else None
    dms_migrating = (
        sup.spawn("migrate-dms", ["lienthong", "dms", "migrate"], dms_env(layout, root))
        if "dms" not in steps
        else None
    )
    if "pki" not in steps:
        try:
            _issue_certificates(layout, state)
        except SignaturesError as exc:
            raise DemoError(f"the test PKI: {exc}") from None
        done("pki")
    if hub_seeding is not None:
        _hub_seeded(sup, layout, state, hub_seeding)
        done("hub")
    state["hub_url"] = f"http://127.0.0.1:{ports.hub}"
    state["hub_port"] = ports.hub
    _save_state(layout, state)
    if dms_migrating is None:
        return None
    sup.finish(dms_migrating)
    say("Tạo người dùng dms cho 3 cơ quan, mỗi vai trò một người…")
    return sup.spawn(
        "seed-dms-setup",
        ["lienthong.demo.seed_dms", "setup", str(layout.state_file)],
        dms_env(layout, root),
    )


def dms_seeded(sup: Supervisor, layout: Layout, state: dict[str, Any], step: Child | None) -> None:
    if step is not None:
        sup.finish(step)
        state["steps"].append("dms")
        _save_state(layout, state)


def seed_documents(
    sup: Supervisor, layout: Layout, state: dict[str, Any], ports: Ports, say: Say
) -> None:
    """With the hub running: the documents in flight (once)."""
    if "documents" in state["steps"]:
        return
    say("Gửi, nhận và xử lý một số văn bản qua trục (dịch vụ thật, chữ ký số thật)…")
    output = sup.run(
        "seed-dms-documents",
        ["lienthong.demo.seed_dms", "documents", str(layout.state_file)],
        dms_env(layout, state["pki"]["root"]),
    )
    documents = json.loads(output.strip().splitlines()[-1])["documents"]
    documents.append(_send_directive(state, f"http://127.0.0.1:{ports.hub}"))
    state["documents"] = documents
    state["steps"].append("documents")
    _save_state(layout, state)


# --- running ---------------------------------------------------------------------------------


def _migrate(sup: Supervisor, layout: Layout, state: dict[str, Any], seeded: set[str]) -> None:
    """Bring databases seeded by an earlier run to the current schema (seeding migrates)."""
    steps = []
    if "hub" in seeded:
        steps.append(sup.spawn("migrate-hub", ["lienthong", "hub", "migrate"], hub_env(layout)))
    if "dms" in seeded:
        env = dms_env(layout, state["pki"]["root"])
        steps.append(sup.spawn("migrate-dms", ["lienthong", "dms", "migrate"], env))
    for step in steps:
        sup.finish(step)


def start_services(sup: Supervisor, layout: Layout, state: dict[str, Any], ports: Ports) -> None:
    """The PKI's server and the hub's server (what seeding needs)."""
    pki = sup.start("pki", ["lienthong", "pki", "serve", str(layout.pki)], clean_env({}))
    sup.wait_until(pki, listening(state["pki"]["port"]))
    hub = sup.start(
        "hub-serve", ["lienthong", "hub", "serve", "--port", str(ports.hub)], hub_env(layout)
    )
    sup.wait_until(hub, answers(f"http://127.0.0.1:{ports.hub}/api/v1/health"))


def start_the_rest(sup: Supervisor, layout: Layout, state: dict[str, Any], ports: Ports) -> None:
    sup.start("hub-worker", ["lienthong", "hub", "worker", "--interval", "2"], hub_env(layout))
    env = dms_env(layout, state["pki"]["root"])
    dms = sup.start("dms-serve", ["lienthong", "dms", "serve", "--port", str(ports.dms)], env)
    sup.wait_until(dms, answers(f"http://127.0.0.1:{ports.dms}/login/"))
    sup.start("dms-worker", ["lienthong", "dms", "worker", "--interval", "5"], env)


def banner(layout: Layout, state: dict[str, Any], ports: Ports) -> str:
    hub = f"http://127.0.0.1:{ports.hub}"
    dms = f"http://127.0.0.1:{ports.dms}"
    lines = [
        "",
        "lienthong demo đang chạy / is running",
        "",
        f"  Trục liên thông (hub)     {hub}/api/v1/docs   (OpenAPI: {hub}/api/v1/openapi.json)",
        f"  Bảng điều khiển vận hành  {hub}/admin/   đăng nhập: {network.OPERATOR} / "
        f"{network.OPERATOR_PASSWORD}",
    ]
    if answers(f"{hub}/dashboard/public/")():  # the hub's dashboard, where it is built
        lines.append(f"  Bảng số liệu              {hub}/dashboard/   (cùng đăng nhập vận hành)")
        lines.append(f"  Số liệu công khai         {hub}/dashboard/public/")
    lines += [
        f"  Quản lý văn bản (dms)     {dms}/",
        "",
        f"  Người dùng dms (mật khẩu chung: {network.USER_PASSWORD}):",
    ]
    for hosted in network.HOSTED:
        lines.append(f"    {hosted.name} ({hosted.code})")
        for login in hosted.logins:
            extra = ""
            person = state.get("persons", {}).get(login.username)
            if person:
                extra = f"   mật khẩu chữ ký số: {person['p12_password']}"
            lines.append(f"      {login.role:<11} {login.username:<18} {login.full_name}{extra}")
    lines += ["", "  Văn bản đang luân chuyển:"]
    for document in state.get("documents", []):
        lines.append(f"    - {document['document']}: {document['state']}")
    lines += [
        "",
        f"  Dữ liệu: {layout.root}   nhật ký: {layout.logs}",
        "  Ctrl-C để dừng / to stop.",
        "",
    ]
    return "\n".join(lines)


def run_demo(
    *, data_dir: Path, ports: Ports, fresh: bool, say: Say, on_ready: Callable[[str], None]
) -> int:
    """The whole demo; returns the exit code (0 after SIGINT/SIGTERM)."""
    layout = Layout(data_dir.resolve())
    prepare_directory(layout, fresh=fresh)
    state = _load_state(layout)
    pki_port = state.get("pki", {}).get("port", ports.pki)
    ports = Ports(ports.hub, ports.dms, pki_port)
    check_ports(ports, state)
    sup = Supervisor(layout.logs)
    sup.install_signal_handlers()
    seeded_before = set(state["steps"])
    try:
        dms_setup = seed(sup, layout, state, ports, say)
        _migrate(sup, layout, state, seeded_before)
        start_services(sup, layout, state, ports)
        dms_seeded(sup, layout, state, dms_setup)
        seed_documents(sup, layout, state, ports, say)
        start_the_rest(sup, layout, state, ports)
        on_ready(banner(layout, state, ports))
        while not sup.stop_requested.wait(0.5):
            dead = sup.first_dead()
            if dead is not None:
                raise DemoError(
                    f"{dead.name} stopped unexpectedly (exit {dead.process.returncode}, log "
                    f"{dead.log}):\n{dead.tail()}"
                )
        say("Đang dừng… / stopping…")
        return 0
    except Interrupted:
        say("Đã ngắt khi đang khởi động / interrupted while starting.")
        return 0
    finally:
        killed = sup.stop_all()
        if killed:
            print(f"had to kill: {', '.join(killed)}", file=sys.stderr)
