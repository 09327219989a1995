"""Which task names the Celery system integration tracks."""

from __future__ import annotations

import pytest

from taskbadger.systems.celery import CelerySystemIntegration


def test_tracks_every_task_by_default() -> None:
    assert CelerySystemIntegration().tracks("billing.send_invoice")


def test_skips_celery_internal_tasks() -> None:
    assert not CelerySystemIntegration().tracks("celery.backend_cleanup")


def test_includes_limit_tracking_to_matching_names() -> None:
    integration = CelerySystemIntegration(includes=[r"^billing\."])

    assert integration.tracks("billing.send_invoice")
    assert not integration.tracks("reports.daily")


def test_excludes_win_over_includes() -> None:
    integration = CelerySystemIntegration(
        includes=[r"^billing\."], excludes=[r"\.ping$"]
    )

    assert not integration.tracks("billing.ping")


def test_auto_track_off_tracks_nothing_by_name() -> None:
    assert not CelerySystemIntegration(auto_track_tasks=False).tracks("billing.x")


def test_rejects_a_heartbeat_interval_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="heartbeat_interval"):
        CelerySystemIntegration(heartbeat_interval=0)
