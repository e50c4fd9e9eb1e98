# syntax=docker/dockerfile:1
# The ChatAssist application image: daphne by default; the same image runs the Celery worker,
# Celery beat and `manage.py` (see docker-compose.yml and docs/deploy.md).
FROM python:3.11-slim

# settings.py finds templates/, static/ and staticfiles/ next to the chatassist package
# (BASE_DIR is the package's parent). The copy `pip install .` puts in site-packages has no
# templates beside it, so PYTHONPATH makes every process (daphne, celery, manage.py) import
# the project from /app; `pip install .` is what brings in the dependencies.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=chatassist.settings \
    PYTHONPATH=/app

WORKDIR /app

# Only what the image needs: never `COPY . .`, which would bring in .venv, .data (the
# embedded servers' data and passwords), .env and deploy/secret_key.
# One line per top-level package present in the repo; [tool.setuptools.packages.find] in
# pyproject.toml lists the names. A package missing here fails the build at collectstatic.
COPY pyproject.toml manage.py ./
COPY chatassist/ chatassist/
COPY accounts/ accounts/
COPY assistant/ assistant/
COPY knowledge/ knowledge/
COPY prompts/ prompts/
COPY conversations/ conversations/

RUN --mount=type=cache,target=/root/.cache/pip \
    pip install . \
    && rm -rf build ./*.egg-info

COPY templates/ templates/
COPY static/ static/

# settings.py needs these to import; collectstatic never connects to either service.
RUN EMBEDDED_SERVICES=0 \
    DATABASE_URL=postgres://x@localhost/x \
    REDIS_URL=redis://localhost/0 \
    SECRET_KEY=build-only-not-secret \
    DEBUG=0 \
    python manage.py collectstatic --noinput

# Nothing under /app is writable by the application: SECRET_KEY (or SECRET_KEY_FILE) must
# be set, or settings fail instead of each container inventing a key of its own.
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin chatassist
USER chatassist

EXPOSE 8000
CMD ["python", "-m", "chatassist.web_server", "-b", "0.0.0.0", "-p", "8000", "chatassist.asgi:application"]
