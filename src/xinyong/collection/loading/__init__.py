"""Loading a batch: its file read as a stream and loaded in chunks (``run.batch_process``).

Each chunk is ONE transaction holding its records, its rejected rows, the batch counters and
``rows_committed``: a crash leaves whole chunks only, ``rows_read == created + new_version + duplicate +
rejected`` holds at every commit (a database constraint checks it too), and processing a batch again
continues after the last committed chunk. Two processes working on the same batch cannot both commit a
chunk: each commit checks, under a row lock, that ``rows_committed`` is still what the process started from.

- ``run``: one processing run of a batch, its start, failure and end;
- ``engine``: ``BatchLoader``, which prepares a chunk (no database) and writes it;
- ``chunks``: reading in chunks, the prepared chunk and how it travels between processes;
- ``reader_process``: the forked process that prepares chunk N+1 of a large file while chunk N is written;
- ``counters``: the per-code error and warning counts of a batch.
"""
