"""The ASGI application served by daphne: HTTP through Django, WebSocket through Channels.

This is the composition root: it builds the GraphQL consumer and hands it to the
realtime transport, which knows nothing of GraphQL itself (realtime's log poller gets the
domain's reader of the event log when Django starts: graphql_api/apps.py). In
front of both, the client's address is worked out once from the trusted proxies' headers
(project/client_address.py); in front of Django, fresh cached anonymous answers are served
without its request handler (graphql_api/http/fast_path.py). On SIGTERM the process drains
before it stops (realtime/graceful_shutdown.py). Once all of it is built, the objects alive
are frozen out of garbage collection (project/gc_tuning.py).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
django_http_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from graphql_api.http.fast_path import CachedAnswers  # noqa: E402
from graphql_api.schema import schema  # noqa: E402
from graphql_api.websocket.consumer import GraphQLSubscriptionConsumer  # noqa: E402
from project.client_address import TrustedProxyMiddleware  # noqa: E402
from project.gc_tuning import freeze_start_up_objects  # noqa: E402
from realtime import backpressure, graceful_shutdown  # noqa: E402
from realtime.draining import process_draining  # noqa: E402
from realtime.routing import websocket_application  # noqa: E402

backpressure.install()  # a bounded outgoing buffer for every WebSocket daphne serves
graceful_shutdown.install()  # SIGTERM: stop accepting, close sockets with 1001, drain, stop

application = TrustedProxyMiddleware(
    ProtocolTypeRouter(
        {
            # Cached anonymous answers before Django's handler (graphql_api/http/fast_path.py).
            # Counted while they run, so that a restart lets them answer (realtime/draining.py).
            "http": process_draining.count_requests(CachedAnswers(django_http_application)),
            "websocket": websocket_application(GraphQLSubscriptionConsumer.as_asgi(schema=schema)),
        }
    )
)

freeze_start_up_objects()  # last: what start-up built is left out of every collection
