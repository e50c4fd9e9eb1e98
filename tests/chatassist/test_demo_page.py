"""/demo/: Pulsar's page with the demo workspace's widget, or a clear 404 without it."""

import pytest
from django.test import Client

from tests.factories import make_workspace

pytestmark = pytest.mark.django_db


def test_without_a_demo_workspace_the_page_says_how_to_create_it():
    response = Client().get("/demo/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "The demo is not set up" in page
    assert "seed_demo" in page
    assert "chatassist.js" not in page


def test_the_demo_page_embeds_the_widget_with_the_demo_key():
    demo = make_workspace(name="Demo")
    demo.slug = "demo"
    demo.save()
    make_workspace(name="Other")
    response = Client().get("/demo/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-key="{demo.public_key}"' in page
    assert 'src="/static/widget/chatassist.js"' in page
    assert "data-transport" not in page
    assert "Pulsar" in page


def test_the_transport_can_be_pinned_for_a_demonstration_of_the_fallback():
    demo = make_workspace(name="Demo")
    demo.slug = "demo"
    demo.save()
    assert 'data-transport="http"' in Client().get("/demo/?transport=http").content.decode()
    assert "data-transport" not in Client().get("/demo/?transport=<script>").content.decode()
