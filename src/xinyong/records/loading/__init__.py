"""Set-based loading of credit records (归集批量入库): the only path that stores received records.

``records_bulk_ingest`` (``loading.ingest``) stores a chunk of rows — a whole file's chunk, an API request
or one form entry — and gives, row by row, the outcome of the rows received one after the other in file
order: a new record, a counted duplicate (the content was received before, in any version), or a new
version (docs/collection-dedupe.md). The rules shared with the other writes of records (content hash,
masking, window, status and lag columns) are those of ``records.rules``.

The steps, one module each:

- ``prepare`` — a row without the database: the checks, the stored (masked) fields, the encrypted personal
  IDs, the publication window and the content hash up to the subject id. A pure function of the row: the
  collection app runs it in its reading process while the database writes the previous chunk.
- ``known`` — the chunk's subjects (their kinds, checked against the item) and the records already stored
  under the chunk's dedupe keys with the content hashes of all their versions: one index probe per key
  (``core.bulk.lookup_rows``), no row locks.
- ``plan`` — the rows resolved in memory in file order (created / duplicate / new version), ids reserved for
  the new records and versions, the lag columns from one calendar read.
- ``write`` — the rows written: PostgreSQL ``COPY`` text and ``UPDATE … FROM unnest(…)``, SQLite
  ``executemany``; references checked set-based when the per-row foreign key triggers are off.
- ``columns`` — the column lists of the writes, checked against the models.
"""
