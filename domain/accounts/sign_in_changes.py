"""Telling live connections that a user's sign-in changed.

A WebSocket connection checks its credentials when it opens and then keeps them; after a
password change, a sign-out, a revoked device or API key, a deactivation, a change of
rights or a deletion, the services call `sign_in_changed_on_commit`, and every process's
connections of that user check again (graphql_api/websocket/sign_in_watch.py) and close
with 4401 when their credentials no longer hold. The notification is at most once (Redis
may be down): connections also check again every WS_AUTH_RECHECK_INTERVAL seconds."""

from __future__ import annotations

import logging

from django.db import transaction

from realtime import bus

logger = logging.getLogger(__name__)


def _notify(user_id: int) -> None:
    try:
        bus.notify([bus.user_auth_group(user_id)])
    except Exception:
        logger.warning(
            "sign-in change of user %s not announced; connections see it at their next check",
            user_id,
            exc_info=True,
        )


def sign_in_changed_on_commit(*, user_id: int) -> None:
    """Call inside the writing transaction: the connections hear of it once it commits."""
    transaction.on_commit(lambda: _notify(user_id))
