import pytest

from tests.conversations.widget_client import ORIGIN


@pytest.fixture
def shop(workspace):
    """A workspace whose widget is embedded on ORIGIN."""
    workspace.allowed_origins = [ORIGIN]
    workspace.save(update_fields=["allowed_origins"])
    return workspace
