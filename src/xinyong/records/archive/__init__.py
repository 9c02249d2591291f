"""信用档案: every record of one subject across departments, as a government principal may see it.

The archive is the working file of a subject for a console user or an API client: every record visible to the
principal (``records_visible_to``) — public, 政务共享 and, for the owning department, 授权查询 and 不公开 ones —
including revoked, withdrawn and expired records, each with its effective status as of a date; the versions the
principal may read (``can_read_old_versions``); a timeline of what happened to the records; and the trail of who
looked at the subject.

Opening the archive is itself a query of non-public data (docs/access.md, 征信业管理条例 Art. 22): the principal states
a purpose (查询事由) from a fixed list, and every view and export is written to the audit log with it, before any
data is returned. Who may open it: operators, auditors, department data officers and reviewers (window clerks
run credit checks instead and get no archive), and API clients holding ``records:read``.
"""
