"""Document to typed records (debt instruments, AI/HPC contracts, company figures) with verified evidence."""
