"""Peer: the bulk check written the plain way with polars, validation included.

usage: check_polars.py REQUEST OPTOUTS.parquet RESPONSE  -> prints rows in, kept (or REJECTED)

`pl.read_csv` with the number column as Utf8; validity as `str.contains(r"^[0-9]{10}$")` and the
Modulus 11 sum with integer expressions on the number cast once; `filter(~is_in(opted_out.implode()))`;
`write_csv`. The number is cast once (`with_columns`) and the validity and the filter run as one lazy
query, so that polars evaluates the shared expressions once and on both cores (an eager `select` of the
same expressions casts and sums again for each use).
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
n = pl.col("n")
total = sum(((n // 10 ** (9 - i)) % 10) * (10 - i) for i in range(9))
check = (11 - total % 11) % 11
valid = s.str.contains(r"^[0-9]{10}$") & (check != 10) & (check == n % 10)  # the regex fixes the length too
frame = df.lazy().with_columns(n=s.cast(pl.Int64, strict=False))
if not frame.select(valid.all()).collect().item():
    with open(response, "w") as out:
        out.write("The file contains one or more invalid NHS Numbers.\n")
    print(len(df), "REJECTED")
    sys.exit(3)
kept = frame.filter(~n.is_in(opted_out.implode())).select(s, pl.lit(None, pl.Utf8).alias("blank")).collect()
kept.write_csv(response, include_header=False)
print(len(df), len(kept))
