"""An archive package of one dossier with 1,000 small documents (issue 8): time and peak memory
of ``package`` and ``verify``, each in a fresh process (``python -m benchmarks.archive_bench
--worker package|verify …``) so that the peak RSS (VmHWM; ``resource.getrusage`` off Linux) is
that step's alone.

The documents are 20 KB PDF-like files of random bytes (incompressible, as real scanned PDFs
mostly are), with the Circular's metadata for each.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DOCUMENTS = 1_000
DOCUMENT_BYTES = 20_000
CREATED = "2025-04-01T08:00:00+07:00"


def _make_dossier(folder: Path) -> Path:
    documents = folder / "documents"
    documents.mkdir()
    rng_bytes = os.urandom
    names = []
    for n in range(1, DOCUMENTS + 1):
        name = f"van-ban-{n:04d}.pdf"
        (documents / name).write_bytes(b"%PDF-1.7\n" + rng_bytes(DOCUMENT_BYTES - 9))
        names.append(name)
    code = "000.00.00.H15.2025.01"
    meta = {
        "dossier": {
            "fileCode": code,
            "title": "Hồ sơ lưu trữ thử nghiệm 1.000 văn bản",
            "maintenance": "01",
            "mode": "01",
            "language": "Tiếng Việt",
            "startDate": "2025-01-01",
            "endDate": "2025-12-31",
            "totalDoc": DOCUMENTS,
        },
        "documents": [
            {
                "file": name,
                "docCode": f"{code}.{n:04d}",
                "typeName": "Công văn",
                "codeNumber": str(n),
                "codeNotation": "UBND-VP",
                "issuedDate": "2025-06-01",
                "organName": "UBND tỉnh Đắk Lắk",
                "subject": f"Về việc thử nghiệm số {n}",
            }
            for n, name in enumerate(names, start=1)
        ],
    }
    path = folder / "metadata.json"
    path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return path


def _peak_rss_kb() -> int:
    """This process's peak RSS. Linux's VmHWM belongs to the process image, while ``ru_maxrss``
    keeps the high-water mark of the parent it was forked from (the benchmark runner, with its
    RSA keys), which would hide a small step behind the runner's size."""
    import resource

    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _worker(step: str, args: list[str]) -> None:
    from lienthong.archive.metadata import read_dossier
    from lienthong.archive.package import write_package
    from lienthong.archive.verify import verify_package

    baseline = _peak_rss_kb()
    started = time.perf_counter()
    if step == "package":
        folder, meta, out = (Path(a) for a in args)
        names = sorted(p.name for p in folder.iterdir())
        dossier = read_dossier(json.loads(meta.read_bytes()), frozenset(names))
        import datetime as dt

        with out.open("wb") as stream:
            write_package(
                dossier,
                {n: folder / n for n in names},
                stream,
                created=dt.datetime.fromisoformat(CREATED),
            )
        result: dict[str, Any] = {"bytes": out.stat().st_size}
    else:
        report = verify_package(Path(args[0]))
        assert report.valid, report.problems[:3]
        result = {"files": report.files}
    seconds = time.perf_counter() - started
    peak = _peak_rss_kb()
    print(
        json.dumps(
            result
            | {
                "seconds": round(seconds, 2),
                "peak_rss_mb": round(peak / 1024, 1),
                "baseline_rss_mb": round(baseline / 1024, 1),
            }
        )
    )


def _run_worker(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.archive_bench", "--worker", *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        meta = _make_dossier(folder)
        out = folder / "package.zip"
        package = _run_worker("package", str(folder / "documents"), str(meta), str(out))
        verify = _run_worker("verify", str(out))
    return {
        "documents": DOCUMENTS,
        "document_bytes": DOCUMENT_BYTES,
        "package": package,
        "verify": verify,
    }


def markdown(results: dict[str, Any]) -> list[str]:
    p, v = results["package"], results["verify"]
    payload_mb = results["documents"] * results["document_bytes"] / 1e6
    return [
        f"**Archive package of one dossier with {results['documents']:,} documents** "
        f"({results['document_bytes'] // 1000} KB each, {payload_mb:.0f} MB of documents; "
        "E-ARK CSIP METS + EAD + PREMIS, SHA-256 everywhere, zipped BagIt), each step in a "
        "fresh process:",
        "",
        "| step | seconds | documents/s | peak RSS MB | RSS after imports MB |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| package | {p['seconds']} | {results['documents'] / p['seconds']:,.0f} | "
        f"{p['peak_rss_mb']} | {p['baseline_rss_mb']} |",
        f"| verify (bag, schema, CSIP, every checksum) | {v['seconds']} | "
        f"{results['documents'] / v['seconds']:,.0f} | {v['peak_rss_mb']} | "
        f"{v['baseline_rss_mb']} |",
        "",
        f"Package size {p['bytes']:,} bytes; {v['files']:,} files in the CSIP package.",
        "",
    ]


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--worker":
        _worker(sys.argv[2], sys.argv[3:])
    else:
        print("\n".join(markdown(run())))
