"""The transactional outbox: work written with the change that causes it, run after commit."""
