"""``Cache-Control: no-store`` on every response a view makes.

Console pages, exports and the chat API carry customers' conversations and contact details;
a shared proxy or the browser's disk cache must not keep them after the agent logs out. A
response that sets its own ``Cache-Control`` keeps it. Static files (WhiteNoise answers them
before this middleware runs) keep their long-lived caching, the widget's script included.

Hand-written because Django has no setting for a default ``Cache-Control``; the header itself
comes from Django's ``add_never_cache_headers``."""

from django.utils.cache import add_never_cache_headers
from django.utils.deprecation import MiddlewareMixin


class NoStoreMiddleware(MiddlewareMixin):
    # MiddlewareMixin: sync and async, so the chat's async views run without a thread hop.
    def process_response(self, request, response):
        if "Cache-Control" not in response:
            add_never_cache_headers(response)
        return response
