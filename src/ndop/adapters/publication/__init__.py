"""Writers of the statistics publication: the CSVs, the XLSX workbook and the charts."""
