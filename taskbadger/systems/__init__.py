"""System integrations: hook Task Badger into the systems that run your jobs.

Pass them to ``taskbadger.init(systems=[...])``; see
:class:`taskbadger.systems.celery.CelerySystemIntegration`.
"""
