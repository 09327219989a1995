"""The ``taskbadger`` subcommands, one module per group."""
