"""The credit check the channels run: ``check_run`` for one subject, ``check_many`` for a chunk of codes."""

from xinyong.jrp.check.services import check_many, check_run

__all__ = ["check_many", "check_run"]
