"""`python -m benchmarks [--only NAME …] [--record docs/benchmarks.md]`: run every benchmark
(or only the named ones: edxml, pades, hub, dms, archive), print markdown.

Numbers on shared machines are noisy: each result stands beside the raw limits of the machine
measured in the same run (OpenSSL RSA-2048 verify rate, SHA-256 rate), and the ratios are what
to compare between runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from . import archive_bench, dms_bench, edxml_bench, hub_bench, machine, pades_bench

BENCHMARKS = ("edxml", "pades", "hub", "dms", "archive")


def run(only: frozenset[str] = frozenset(BENCHMARKS)) -> str:
    rsa_verify = machine.rsa2048_verify_rate()
    rsa_sign = machine.rsa2048_sign_rate()
    sha = machine.sha256_mb_per_s()
    sections: list[str] = []
    if "edxml" in only:
        sections += _edxml(rsa_verify, rsa_sign, sha)
    if "pades" in only:
        sections += _pades(pades_bench.run(seconds=3.0))
    if "hub" in only:
        sections += _hub(hub_bench.run())
    if "dms" in only:
        sections += dms_bench.markdown(dms_bench.run())
    if "archive" in only:
        sections += archive_bench.markdown(archive_bench.run())

    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## {now} — {machine.describe()}",
        "",
        "Raw limits of this machine, same run: "
        f"OpenSSL RSA-2048 verify {rsa_verify:,.0f}/s, sign {rsa_sign:,.0f}/s; "
        f"SHA-256 {sha:,.0f} MB/s. One process, one core.",
        "",
        *sections,
    ]
    return "\n".join(lines)


def _edxml(rsa_verify: float, rsa_sign: float, sha: float) -> list[str]:
    key, policy = edxml_bench.make_keys()
    rows = edxml_bench.throughput(key, policy)
    signing = edxml_bench.signing(key, policy)
    memory = edxml_bench.large_message_memory(key, policy)
    lines = [
        "**edXML parse + validate + verify** (signed RSA-SHA256, one attachment, streaming read):",
        "",
        "| message | bytes | verified/s | MB/s | of SHA-256 rate | of RSA verify rate |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        per_second = float(str(row["verified_per_s"]))
        mb = float(str(row["mb_per_s"]))
        lines.append(
            f"| {row['message']} | {row['bytes']:,} | {per_second:,.1f} | {mb:,.1f} | "
            f"{mb / sha:.1%} | {per_second / rsa_verify:.1%} |"
        )
    lines += [
        "",
        f"**XML-DSig on a 100 KB edXML**: sign {signing['sign_per_s']:,.1f}/s "
        f"({signing['sign_per_s'] / rsa_sign:.1%} of raw RSA sign), verify "
        f"{signing['verify_per_s']:,.1f}/s ({signing['verify_per_s'] / rsa_verify:.1%} of raw "
        "RSA verify; verify includes reading the whole message; the signer's certificate "
        "verdict comes from the hub's verdict cache). Without the cache — path building and "
        f"revocation policy for every message — verify {signing['cold_verify_per_s']:,.1f}/s.",
        "",
        f"**Peak memory, {memory['attachment_bytes'] // (1024 * 1024)} MB attachment** "
        f"(message {memory['message_bytes']:,} bytes; verify + read + validate in a fresh "
        "process, attachment contents measured and checked, not kept):",
        "",
        f"* peak RSS {memory['peak_rss_mb']} MB = **{memory['peak_over_attachment']}×** the "
        f"attachment (process baseline after imports {memory['process_baseline_mb']} MB); "
        "target below 1.5×",
        f"* verify + read + validate {memory['verify_read_validate_seconds']} s; "
        f"streaming sign {memory['sign_stream_seconds']} s",
        "",
    ]
    return lines


def _pades(pades: dict[str, Any]) -> list[str]:
    return [
        f"**PAdES {pades['level']} on a {pades['pdf_bytes']:,}-byte PDF** (test PKI served "
        f"on loopback, OCSP and CRL fetched): sign {pades['sign_per_s']}/s, validate "
        f"{pades['validate_per_s']}/s online, {pades['validate_offline_per_s']}/s from the "
        "embedded revocation data.",
        "",
    ]


def _hub(hub: dict[str, Any]) -> list[str]:
    return [
        f"**Hub under load**: {hub['messages']} signed edXML of {hub['bytes']:,} bytes, "
        f"{hub_bench.CLIENTS} client processes, `lienthong hub serve` with 2 workers, all on "
        "this 2-core machine:",
        "",
        "| profile | documents/s | p50 ms | p95 ms | p99 ms | submit→inbox p50 ms "
        "| fan-out to 1,000 s | ÷ RabbitMQ |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *[
            f"| {name} | {r['documents_per_s']} | {r['p50_ms']} | {r['p95_ms']} | "
            f"{r['p99_ms']} | {r['visible_p50_ms']} | {r['fan_out_1000_s']} | "
            f"{r['documents_per_s'] / hub['rabbitmq']['published_per_s']:.2f} |"
            for name, r in (("SQLite", hub["sqlite"]), ("PostgreSQL", hub["postgresql"]))
        ],
        "",
        f"RabbitMQ baseline, same run and payload (durable queue, persistent messages, "
        f"publisher confirms, {hub_bench.CLIENTS} publishers, one consumer): "
        f"{hub['rabbitmq']['published_per_s']} published/s, "
        f"{hub['rabbitmq']['end_to_end_per_s']} published and consumed/s.",
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--record", type=Path, help="append the results to this markdown file")
    parser.add_argument(
        "--only",
        action="append",
        choices=BENCHMARKS,
        help="run only this benchmark (may be repeated); all of them by default",
    )
    args = parser.parse_args()
    report = run(frozenset(args.only or BENCHMARKS))
    print(report)
    if args.record:
        with args.record.open("a", encoding="utf-8") as out:
            out.write("\n" + report)


main()
