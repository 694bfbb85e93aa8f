"""Peer: the bulk check written the plain way with DuckDB (anti-join keeping input order), validation included.

usage: check_duckdb.py REQUEST OPTOUTS.parquet RESPONSE  -> prints rows in, kept (or REJECTED)
"""

import sys

import duckdb

request, optouts, response = sys.argv[1:4]
con = duckdb.connect()
con.execute(
    f"""
    CREATE TEMP TABLE req AS
    SELECT row_number() OVER () AS rn, nhs_number
    FROM read_csv('{request}', header = false, columns = {{'nhs_number': 'VARCHAR', 'blank': 'VARCHAR'}})
    """
)
digits = " + ".join(f"CAST(substr(nhs_number, {i + 1}, 1) AS INTEGER) * {10 - i}" for i in range(9))
invalid = con.execute(
    f"""
    SELECT count(*) FROM req
    WHERE NOT regexp_full_match(coalesce(nhs_number, ''), '[0-9]{{10}}')
       OR (11 - ({digits}) % 11) % 11 = 10
       OR (11 - ({digits}) % 11) % 11 <> CAST(substr(nhs_number, 10, 1) AS INTEGER)
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
      SELECT r.nhs_number, NULL AS blank
      FROM req r ANTI JOIN read_parquet('{optouts}') o ON CAST(r.nhs_number AS BIGINT) = o.nhs_number
      ORDER BY r.rn
    ) TO '{response}' (FORMAT csv, HEADER false)
    """
)
print(con.execute("SELECT count(*) FROM req").fetchone()[0])
