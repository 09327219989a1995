"""The ``taskbadger`` command: track jobs from shell scripts, cron and CI."""
