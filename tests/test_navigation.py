"""The console shell: every page names its section and marks it current in the navigation."""

import pytest
from django.urls import reverse

from chatassist.navigation import SECTIONS


@pytest.mark.parametrize("section", SECTIONS, ids=lambda section: section.key)
def test_each_section_page_is_titled_and_current_in_the_nav(owner_client, workspace, section):
    page = owner_client.get(reverse(section.key, args=[workspace.slug])).content.decode()
    assert f"<h1>{section.label}</h1>" in page
    assert f'href="{reverse(section.key, args=[workspace.slug])}" aria-current="page"' in page
    if not section.built:
        assert "Not built yet" in page
        assert section.summary in page
