"""Peer: the CSV check written the plain way with DuckDB (anti-join keeping input order), validation included.

usage: check_csv_duckdb.py REQUEST.csv OPTOUTS.parquet RESPONSE  -> prints rows in (or REJECTED)
"""

import sys

import duckdb

request, optouts, response = sys.argv[1:4]
con = duckdb.connect()
con.execute(
    f"""
    CREATE TEMP TABLE req AS
    SELECT row_number() OVER () AS rn, *
    FROM read_csv('{request}', header = true, all_varchar = true)
    """
)
digits = " + ".join(f"CAST(substr(NHS_NUMBER, {i + 1}, 1) AS INTEGER) * {10 - i}" for i in range(9))
invalid = con.execute(
    f"""
    SELECT count(*) FROM req
    WHERE NOT regexp_full_match(coalesce(NHS_NUMBER, ''), '[0-9]{{10}}')
       OR (11 - ({digits}) % 11) % 11 = 10
       OR (11 - ({digits}) % 11) % 11 <> CAST(substr(NHS_NUMBER, 10, 1) AS INTEGER)
    """
).fetchone()[0]
if invalid:
    with open(response, "w") as out:
        out.write("The file contains one or more invalid NHS Numbers.\n")
    print("REJECTED")
    sys.exit(3)
con.execute(
    f"""
    COPY (
      SELECT r.* EXCLUDE (rn)
      FROM req r ANTI JOIN read_parquet('{optouts}') o ON CAST(r.NHS_NUMBER AS BIGINT) = o.nhs_number
      ORDER BY r.rn
    ) TO '{response}' (FORMAT csv, HEADER true)
    """
)
print(con.execute("SELECT count(*) FROM req").fetchone()[0])
