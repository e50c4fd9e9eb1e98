"""The console shell: every page names its section and marks it current in the navigation."""

import re

import pytest
from django.urls import reverse

from chatassist.navigation import SECTIONS, SECTIONS_BY_KEY
from tests.conftest import logged_in

# Sections whose page is another section's: their link opens it there.
SHORTCUTS = {"escalations": "/monitor/?tab=queue"}


@pytest.mark.parametrize("section", [s for s in SECTIONS if s.key not in SHORTCUTS], ids=lambda section: section.key)
def test_each_section_page_is_titled_and_current_in_the_nav(owner_client, workspace, section):
    page = owner_client.get(reverse(section.key, args=[workspace.slug])).content.decode()
    assert f"<h1>{section.label}</h1>" in page
    assert f'href="{reverse(section.key, args=[workspace.slug])}" aria-current="page"' in page
    if not section.built:
        assert "Not built yet" in page
        assert section.summary in page


def test_escalations_opens_the_monitors_queue(owner_client, workspace):
    assert SECTIONS_BY_KEY["escalations"].built
    url = reverse("escalations", args=[workspace.slug])
    response = owner_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/w/{workspace.slug}{SHORTCUTS['escalations']}"
    page = owner_client.get(url, follow=True).content.decode()
    assert "<h1>Chat monitor</h1>" in page
    assert "Not built yet" not in page
    assert re.search(r'<a class="tabs__tab" href="\?tab=queue"[^>]*aria-current="page">Queue', page)
    # In the navigation, without the "soon" mark.
    assert f'href="{url}">Escalations</a>' in page


@pytest.mark.parametrize(("who", "status"), [("agent", 302), ("viewer", 403), ("outsider", 404)])
def test_who_may_open_the_escalations_queue(request, workspace, who, status):
    client = logged_in(request.getfixturevalue(who))
    assert client.get(reverse("escalations", args=[workspace.slug])).status_code == status
