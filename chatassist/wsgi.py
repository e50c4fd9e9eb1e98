"""WSGI entry point, for tools that need one; the app itself is served over ASGI by daphne."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatassist.settings")
application = get_wsgi_application()
