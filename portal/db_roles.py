"""What the runtime database role may do beyond plain reads and writes."""

# Tables the runtime role may insert into and read, but never update or delete (audit trails).
APPEND_ONLY_TABLES: tuple[str, ...] = ("org_audit_log", "goal_measurements", "workbook_snapshots")
