"""Pure functions over extracted records: the ledger, the screen, flags, contracts and answers. No database."""
