"""The stateful layer: settings, index, database, pipeline, ledger, answers, API and CLI."""
