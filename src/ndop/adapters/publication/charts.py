"""The publication's charts, PNG and SVG, each with alt text and the table it draws.

The alt text goes into the files (PNG text chunks; the SVG's <title>, <desc> and aria-label) and into
the summary the web page shows beside a table of the same figures, so no one needs to see the chart.
"""

from __future__ import annotations

import html
import os
import statistics
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, never a display

import matplotlib.pyplot as plt

from ndop.domain.statistics.publication import Publication
from ndop.domain.statistics.rules import AGE_BANDS, FEMALE, MALE, ach_date_text, format_rate, rate

NHS_BLUE = "#005eb8"
NHS_DARK = "#003087"
NHS_WARM = "#ffb81c"


def _save(fig: Any, directory: Path, stem: str, title: str, alt: str) -> list[str]:
    names = []
    for ext in ("png", "svg"):
        part = directory / f"{stem}.{ext}.part"
        fig.savefig(part, format=ext, dpi=110, bbox_inches="tight", metadata={"Title": title, "Description": alt})
        if ext == "svg":
            text = part.read_text(encoding="utf-8")
            at = text.index("<svg")
            close = text.index(">", at)
            label = html.escape(alt, quote=True)
            text = (text[:at] + f'<svg role="img" aria-label="{label}"' + text[at + 4 : close + 1]
                    + f"<title>{html.escape(title)}</title><desc>{html.escape(alt)}</desc>" + text[close + 1 :])
            part.write_text(text, encoding="utf-8")
        os.replace(part, directory / f"{stem}.{ext}")
        names.append(f"{stem}.{ext}")
    plt.close(fig)
    return names


def england_rate(publication: Publication, directory: Path) -> dict[str, Any]:
    months = publication.figures.months
    labels = [m.ach_date.strftime("%b %Y") for m in months]
    values = [rate(m.england_opt_out, m.england_list_size) or 0.0 for m in months]
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(range(len(labels)), values, marker="o", color=NHS_BLUE, linewidth=2)
    ax.set_xticks(range(len(labels)), labels)
    ax.set_ylabel("Opt-out rate (%)")
    ax.set_ylim(bottom=0)
    ax.set_title("England opt-out rate by month")
    ax.tick_params(axis="x", rotation=45)
    ax.grid(axis="y", alpha=0.3)
    first, last = months[0], months[-1]
    title = "The England opt-out rate by month"
    alt = (f"Line chart of the England opt-out rate at the start of each month from {labels[0]} to {labels[-1]}: "
           f"{format_rate(first.england_opt_out, first.england_list_size) or 'no figure'}% at the first and "
           f"{format_rate(last.england_opt_out, last.england_list_size) or 'no figure'}% at the last.")
    files = _save(fig, directory, f"NDOP_{publication.period.label}_england_rate", title, alt)
    table = {
        "columns": ["Date", "Opt-out", "List size", "Opt-out rate (%)"],
        "rows": [[ach_date_text(m.ach_date), m.england_opt_out, m.england_list_size,
                  format_rate(m.england_opt_out, m.england_list_size)] for m in months],
    }
    return {"name": "england_rate", "title": title, "alt": alt, "files": files, "table": table}


def age_gender(publication: Publication, directory: Path) -> dict[str, Any]:
    month = publication.report
    bands = list(AGE_BANDS[:-1])  # the Unknown band has no one with a known date of birth in this registry
    female = [rate(int(month.opt_out[i, FEMALE]), int(month.list_size[i, FEMALE])) or 0.0 for i in range(len(bands))]
    male = [rate(int(month.opt_out[i, MALE]), int(month.list_size[i, MALE])) or 0.0 for i in range(len(bands))]
    fig, ax = plt.subplots(figsize=(8, 4))
    xs = range(len(bands))
    ax.bar([x - 0.2 for x in xs], female, width=0.4, label="Female", color=NHS_BLUE)
    ax.bar([x + 0.2 for x in xs], male, width=0.4, label="Male", color=NHS_WARM, hatch="//", edgecolor=NHS_DARK)
    ax.set_xticks(list(xs), bands)
    ax.set_xlabel("Age band")
    ax.set_ylabel("Opt-out rate (%)")
    ax.set_title(f"Opt-out rate by age band and gender, {ach_date_text(month.ach_date)}")
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    best = max(range(len(bands)), key=lambda i: max(female[i], male[i]))
    title = f"The opt-out rate by age band and gender at {ach_date_text(month.ach_date)}"
    alt = (f"Bar chart of the opt-out rate for females and males in each age band at "
           f"{ach_date_text(month.ach_date)}. The highest is the {bands[best]} band: females {female[best]:.2f}%, "
           f"males {male[best]:.2f}%.")
    files = _save(fig, directory, f"NDOP_{publication.period.label}_age_gender", title, alt)
    table = {
        "columns": ["Age band", "Female rate (%)", "Male rate (%)"],
        "rows": [[b, f"{f:.2f}", f"{m:.2f}"] for b, f, m in zip(bands, female, male, strict=True)],
    }
    return {"name": "age_gender", "title": title, "alt": alt, "files": files, "table": table}


def practice_spread(publication: Publication, directory: Path) -> dict[str, Any]:
    month = publication.report
    codes = publication.figures.practice_codes
    rates = [rate(int(month.practice_opt_out[i]), int(month.practice_list_size[i])) for i in range(len(codes))
             if codes[i] and month.practice_list_size[i] > 0]
    values = [r for r in rates if r is not None]
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.hist(values or [0.0], bins=30, color=NHS_BLUE, edgecolor="white")
    ax.set_xlabel("Opt-out rate (%)")
    ax.set_ylabel("Number of GP practices")
    ax.set_title(f"Spread of opt-out rates across GP practices, {ach_date_text(month.ach_date)}")
    title = f"The spread of opt-out rates across GP practices at {ach_date_text(month.ach_date)}"
    if values:
        q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
        summary = [["Practices", str(len(values))], ["Lowest rate (%)", f"{min(values):.2f}"],
                   ["Lower quartile (%)", f"{q[0]:.2f}"], ["Median (%)", f"{q[1]:.2f}"],
                   ["Upper quartile (%)", f"{q[2]:.2f}"], ["Highest rate (%)", f"{max(values):.2f}"]]
        alt = (f"Histogram of the opt-out rate across {len(values)} GP practices at {ach_date_text(month.ach_date)}: "
               f"from {min(values):.2f}% to {max(values):.2f}%, median {q[1]:.2f}%.")
    else:
        summary = [["Practices", "0"]]
        alt = "Histogram of practice opt-out rates: no practice has anyone registered."
    files = _save(fig, directory, f"NDOP_{publication.period.label}_practice_spread", title, alt)
    table = {"columns": ["Measure", "Value"], "rows": summary}
    return {"name": "practice_spread", "title": title, "alt": alt, "files": files, "table": table}


def write_charts(publication: Publication, directory: Path) -> list[dict[str, Any]]:
    return [chart(publication, directory) for chart in (england_rate, age_gender, practice_spread)]
