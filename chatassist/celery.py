"""The Celery app: `celery -A chatassist worker` and `celery -A chatassist beat`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatassist.settings")

app = Celery("chatassist")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
