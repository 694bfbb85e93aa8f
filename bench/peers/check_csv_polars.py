"""Peer: the CSV check written the plain way with polars, validation included (issue 16's recipe).

pl.read_csv with the NHS_NUMBER column as Utf8 (every column as text, so that rows come back as sent);
validity as `str.contains(r"^[0-9]{10}$")` and the Modulus 11 sum with integer expressions;
`filter(~col.is_in(opted_out.implode()))`; `write_csv`. polars uses both cores.

usage: check_csv_polars.py REQUEST.csv OPTOUTS.parquet RESPONSE  -> prints rows in, kept (or REJECTED)
"""

import sys

import polars as pl

request, optouts, response = sys.argv[1:4]
opted_out = pl.read_parquet(optouts)["nhs_number"]
df = pl.read_csv(request, infer_schema=False)  # all Utf8: the NHS_NUMBER column, and the rest kept as sent
s = pl.col("NHS_NUMBER")
n = s.cast(pl.Int64, strict=False)
total = sum(((n // 10 ** (9 - i)) % 10) * (10 - i) for i in range(9))
check = (11 - total % 11) % 11
valid = s.str.contains(r"^[0-9]{10}$") & (check != 10) & (check == n % 10)
if not df.select(valid.fill_null(False).all()).item():
    with open(response, "w") as out:
        out.write("The file contains one or more invalid NHS Numbers.\n")
    print(len(df), "REJECTED")
    sys.exit(3)
kept = df.filter(~n.is_in(opted_out.implode()))
kept.write_csv(response)
print(len(df), len(kept))
