"""Generate N confirmation letters with ndop's renderer and with a plain peer, side by side.

ndop lays each letter out once (reportlab's font metrics, line-wrapping cached: most paragraphs are the same
in every letter of a kind) and writes the one-page PDF itself, in one process per core. Beside it, in the
same run: the same layout drawn through reportlab's canvas, and the peer, the straightforward reportlab way:
platypus (`SimpleDocTemplate` with `Paragraph` flowables), one letter at a time, in one process. Every PDF is
written to disk, as the outbox does. The slower ones run on a sample and their rate is extrapolated; ratios
are of letters per second.

    .venv/bin/python bench/letters.py [--letters 10000] [--peer-letters 1000] [--workers 1]  # make bench-letters
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ndop.adapters.letters.pdf import ReportlabLetterRenderer
from ndop.domain.common.nhs_number import complete
from ndop.domain.letters.letters import Letter, LetterKind, Recipient, text_of
from ndop.domain.registry.choices import Choice

OUT = Path(__file__).resolve().parent / "out"
TARGET_S = 60.0
GIVEN = ["Olivia", "Amelia", "Isla", "Ava", "Muhammad", "Noah", "Oliver", "George", "Leo", "Arthur"]
FAMILY = ["Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Khan"]
STREETS = ["High Street", "Station Road", "Church Lane", "Victoria Road", "Green Lane", "Manor Road"]
TOWNS = [("Leeds", "LS"), ("York", "YO"), ("Bristol", "BS"), ("Norwich", "NR"), ("Exeter", "EX")]


def letters(n: int, start: int = 0) -> list[Letter]:
    out = []
    at = datetime(2026, 11, 23, 9, tzinfo=UTC)
    for i in range(start, start + n):
        number = None
        j = i
        while number is None:
            number = complete(f"{900000000 + j * 7 % 99999999:09d}")
            j += 100000000
        town, area = TOWNS[i % len(TOWNS)]
        name = f"{GIVEN[i % 10]} {FAMILY[i // 10 % 10]}"
        out.append(Letter(
            id=f"{i:032x}", kind=LetterKind.CHOICE_CONFIRMATION, nhs_number=number,
            recipient=Recipient(name, (f"{i % 200 + 1} {STREETS[i % 6]}", town), f"{area}{i % 20 + 1} {i % 9}AB"),
            about_name=name, reference=f"CC-{i:06d}", created_at=at + timedelta(seconds=i),
            choice=Choice.OPTED_OUT if i % 3 else Choice.NOT_OPTED_OUT, made_on=date(2026, 11, 23),
        ))
    return out


def _ndop_chunk(args: tuple[int, int, str]) -> int:
    start, n, folder = args
    renderer = ReportlabLetterRenderer(via_canvas=folder.endswith("canvas"))
    for letter in letters(n, start):
        Path(folder, f"{letter.id}.pdf").write_bytes(renderer.render(letter))
    return n


def run_ndop(n: int, folder: Path, workers: int) -> float:
    chunk = max(1, n // (workers * 8))
    jobs = [(s, min(chunk, n - s), str(folder)) for s in range(0, n, chunk)]
    t0 = time.perf_counter()
    if workers == 1:
        done = sum(map(_ndop_chunk, jobs))
    else:
        with ProcessPoolExecutor(workers) as pool:
            done = sum(pool.map(_ndop_chunk, jobs))
    assert done == n
    return time.perf_counter() - t0


def run_ndop_single(n: int, folder: Path) -> float:
    return run_ndop(n, folder, 1)  # a folder named ...canvas draws through reportlab's canvas


def run_peer(n: int, folder: Path) -> float:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    t0 = time.perf_counter()
    for letter in letters(n):
        text = text_of(letter)
        out = io.BytesIO()
        doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=24.6 * mm, topMargin=39.5 * mm, title=text.title)
        story = [Paragraph(line, styles["Normal"]) for line in letter.recipient.address_block]
        story += [Spacer(1, 20 * mm), Paragraph(f"Reference: {letter.reference}", styles["Normal"]),
                  Paragraph(text.title, styles["Heading1"]), Paragraph(f"Dear {letter.recipient.name},",
                                                                        styles["Normal"])]
        story += [Paragraph(p, styles["BodyText"]) for p in text.paragraphs]
        doc.build(story)
        Path(folder, f"{letter.id}.pdf").write_bytes(out.getvalue())
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=10_000)
    parser.add_argument("--peer-letters", type=int, default=1_000)
    # One process by default: measured on 2 shared cores, a process pool was slower than one process.
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        for name in ("ndop", "single", "canvas", "peer"):
            (base / name).mkdir()
        letters(10)  # warm imports
        ndop_s = run_ndop(args.letters, base / "ndop", args.workers)
        single_n = args.letters
        single_s = ndop_s if args.workers == 1 else run_ndop_single(single_n, base / "single")
        canvas_s = run_ndop_single(args.peer_letters, base / "canvas")
        peer_s = run_peer(args.peer_letters, base / "peer")
        size = sum(p.stat().st_size for p in (base / "ndop").iterdir()) / args.letters
    rate = {"ndop": args.letters / ndop_s, "ndop_one_process": single_n / single_s,
            "same_layout_reportlab_canvas": args.peer_letters / canvas_s,
            "peer_platypus": args.peer_letters / peer_s}
    result = {
        "letters": args.letters, "workers": args.workers, "ndop_seconds": round(ndop_s, 2),
        "ndop_one_process_letters": single_n, "ndop_one_process_seconds": round(single_s, 2),
        "peer_letters": args.peer_letters, "peer_seconds": round(peer_s, 2),
        "letters_per_second": {k: round(v, 1) for k, v in rate.items()},
        "peer_seconds_for_all_extrapolated": round(args.letters / rate["peer_platypus"], 1),
        "ratio_ndop_to_peer": round(rate["ndop"] / rate["peer_platypus"], 2),
        "ratio_ndop_one_process_to_peer": round(rate["ndop_one_process"] / rate["peer_platypus"], 2),
        "ratio_ndop_one_process_to_canvas": round(rate["ndop_one_process"] / rate["same_layout_reportlab_canvas"], 2),
        "mean_pdf_bytes": int(size), "target_seconds": TARGET_S, "met": ndop_s < TARGET_S,
        "machine": f"{platform.processor() or platform.machine()} x{os.cpu_count()}, "
                   f"Python {platform.python_version()}",
    }
    print(json.dumps(result, indent=2))
    OUT.mkdir(exist_ok=True)
    (OUT / "letters.json").write_text(json.dumps(result, indent=2) + "\n")
    if not result["met"]:
        raise SystemExit(f"{args.letters} letters took {ndop_s:.1f} s, over the {TARGET_S:.0f} s target")


if __name__ == "__main__":
    main()
