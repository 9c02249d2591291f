"""The credit check the channels run: ``check_run`` for one subject; for a batch, a chunk of codes at once
(``codes_check``), or its steps apart so that they overlap (``codes_read``, ``codes_answer``, ``codes_write``)."""

from xinyong.jrp.check.chunks import ChunkAnswers, codes_answer, codes_check, codes_read, codes_write
from xinyong.jrp.check.services import check_many, check_run

__all__ = [
    "ChunkAnswers",
    "check_many",
    "check_run",
    "codes_answer",
    "codes_check",
    "codes_read",
    "codes_write",
]
