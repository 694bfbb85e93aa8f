"""Peer: the bulk check written the plain way with polars (read_csv + is_in), validation included.

usage: check_polars.py REQUEST OPTOUTS.parquet RESPONSE  -> prints rows in, kept (or REJECTED)
"""

import sys

import polars as pl

request, optouts, response = sys.argv[1:4]
opted_out = pl.read_parquet(optouts)["nhs_number"]
df = pl.read_csv(
    request,
    has_header=False,
    new_columns=["nhs_number", "blank"],
    schema_overrides={"nhs_number": pl.Utf8, "blank": pl.Utf8},
)
s = pl.col("nhs_number")
n = s.cast(pl.Int64, strict=False)
total = sum(((n // 10 ** (9 - i)) % 10) * (10 - i) for i in range(9))
check = (11 - total % 11) % 11
valid = s.str.contains(r"^[0-9]{10}$") & (check != 10) & (check == n % 10)  # the regex fixes the length too
if not df.select(valid.all()).item():
    with open(response, "w") as out:
        out.write("The file contains one or more invalid NHS Numbers.\n")
    print(len(df), "REJECTED")
    sys.exit(3)
kept = df.filter(~n.is_in(opted_out.implode()))
kept.select(s, pl.lit(None, pl.Utf8).alias("blank")).write_csv(response, include_header=False)
print(len(df), len(kept))
