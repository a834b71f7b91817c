"""Import and export: streamed, transactional, with progress and cancel (see README, "Import and export")."""
