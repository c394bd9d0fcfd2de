"""The demo network: who is registered on the hub, who the dms hosts, who signs in.

Plain data, no Django: :mod:`.seed_hub` and :mod:`.seed_dms` read it (through the JSON plan
:func:`plan` makes), :mod:`.run` prints the logins from it. Codes are QCVN 102 codes, lowest
level first (STANDARDS.md §3); the names are illustrative demo data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

GOVERNMENT_OFFICE = "000.00.00.G22"
PROVINCE = "000.00.00.H41"
HOME_AFFAIRS_DEPT = "000.00.01.H41"
FINANCE_DEPT = "000.00.02.H41"
ENTERPRISE = "000.00.00.E01"

# One password for every dms user of the demo, one for the hub's operator console.
USER_PASSWORD = "demo-lienthong"  # noqa: S105 - printed for the demo
OPERATOR = "vanhanh"
OPERATOR_PASSWORD = "vanhanh-demo-2026"  # noqa: S105 - printed for the demo
DMS_SYSTEM = "qlvb-nghe-an"


@dataclass(frozen=True)
class Agency:
    code: str
    name: str
    kind: str = "state"


@dataclass(frozen=True)
class System:
    """A connected system on the hub and the agencies it acts for."""

    name: str
    agencies: tuple[str, ...]


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    full_name: str
    position: str = ""


@dataclass(frozen=True)
class HostedAgency:
    """An agency the demo's dms hosts, with one user per role."""

    code: str
    name: str
    notation: str
    short: str  # suffix of the user names: vanthu.<short>
    leader_name: str
    leader_title: str
    logins: tuple[Login, ...] = field(default=())


AGENCIES: tuple[Agency, ...] = (
    Agency(GOVERNMENT_OFFICE, "Văn phòng Chính phủ"),
    Agency("000.00.00.G09", "Bộ Nội vụ"),
    Agency("000.00.00.G12", "Bộ Tài chính"),
    Agency("000.00.00.G10", "Bộ Khoa học và Công nghệ"),
    Agency("000.00.00.G15", "Bộ Giáo dục và Đào tạo"),
    Agency(PROVINCE, "Ủy ban nhân dân tỉnh Nghệ An"),
    Agency(HOME_AFFAIRS_DEPT, "Sở Nội vụ tỉnh Nghệ An"),
    Agency(FINANCE_DEPT, "Sở Tài chính tỉnh Nghệ An"),
    Agency("000.00.03.H41", "Sở Khoa học và Công nghệ tỉnh Nghệ An"),
    Agency("000.00.31.H41", "Ủy ban nhân dân phường Vinh Phú"),
    Agency("000.00.32.H41", "Ủy ban nhân dân xã Nghi Lộc"),
    Agency("000.00.00.H25", "Ủy ban nhân dân tỉnh Hà Nam"),
    Agency("000.00.01.H25", "Sở Nội vụ tỉnh Hà Nam"),
    Agency("000.00.31.H25", "Ủy ban nhân dân phường Phủ Lý"),
    Agency("000.00.00.H47", "Ủy ban nhân dân tỉnh Quảng Nam"),
    Agency("000.00.01.H47", "Sở Tài chính tỉnh Quảng Nam"),
    Agency("000.00.31.H47", "Ủy ban nhân dân xã Duy Xuyên"),
    Agency(ENTERPRISE, "Công ty Cổ phần Phần mềm Văn bản Số", kind="enterprise"),
)

# Every registered agency but the pending enterprise has a connected system: the dms's for the
# three it hosts, one "third-party" system per other agency (the Government Office's sends the
# demo's directive through the client SDK).
SYSTEMS: tuple[System, ...] = (
    System(DMS_SYSTEM, (PROVINCE, HOME_AFFAIRS_DEPT, FINANCE_DEPT)),
    *(
        System(f"he-thong-{a.code}", (a.code,))
        for a in AGENCIES
        if a.code not in (PROVINCE, HOME_AFFAIRS_DEPT, FINANCE_DEPT) and a.kind == "state"
    ),
)

ROLE_USERS = (  # (user name stem, role, Vietnamese role name)
    ("vanthu", "clerk", "Văn thư"),
    ("lanhdao", "leader", "Lãnh đạo"),
    ("truongphong", "head", "Trưởng phòng"),
    ("chuyenvien", "specialist", "Chuyên viên"),
    ("luutru", "archivist", "Lưu trữ"),
    ("quantri", "admin", "Quản trị"),
)

_PEOPLE = {
    "tinh": ("Nguyễn Thị Hoa", "Trần Văn Minh", "Lê Quang Huy", "Phạm Thu Trang", "Hồ Văn Tâm",
             "Đặng Minh Khoa"),
    "snv": ("Võ Thị Lan", "Nguyễn Đức Thắng", "Bùi Thị Mai", "Trịnh Văn Nam", "Lương Thị Yến",
            "Cao Văn Sơn"),
    "stc": ("Đinh Thị Hằng", "Hoàng Văn Long", "Phan Thị Ngọc", "Lê Văn Phúc", "Mai Thị Thu",
            "Tạ Quang Vinh"),
}  # fmt: skip


def _hosted(code: str, notation: str, short: str, leader_title: str) -> HostedAgency:
    name = next(a.name for a in AGENCIES if a.code == code)
    people = _PEOPLE[short]
    logins = tuple(
        Login(
            f"{stem}.{short}",
            role,
            person,
            leader_title if role == "leader" else label,
        )
        for (stem, role, label), person in zip(ROLE_USERS, people, strict=True)
    )
    return HostedAgency(code, name, notation, short, people[1], leader_title, logins)


HOSTED: tuple[HostedAgency, ...] = (
    _hosted(PROVINCE, "UBND", "tinh", "Phó Chủ tịch"),
    _hosted(HOME_AFFAIRS_DEPT, "SNV", "snv", "Giám đốc"),
    _hosted(FINANCE_DEPT, "STC", "stc", "Giám đốc"),
)


def plan() -> dict[str, Any]:
    """The network as JSON-able data, handed to the seeding subprocesses."""
    return {
        "agencies": [asdict(a) for a in AGENCIES],
        "systems": [asdict(s) for s in SYSTEMS],
        "hosted": [asdict(h) for h in HOSTED],
        "operator": {"username": OPERATOR, "password": OPERATOR_PASSWORD},
        "user_password": USER_PASSWORD,
    }
