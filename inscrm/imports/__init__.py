"""Importing the standard template (DESIGN §7): `template` says what the columns are, `readers`
reads CSV and XLSX files as tables, `load` validates and upserts one file in one transaction,
`upsert` holds the per-kind look-ups and bulk writes, `workbook` writes the downloadable
templates."""
