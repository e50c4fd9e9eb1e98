import pytest

from conversations import services
from conversations.models import Contact


@pytest.fixture
def conversation(workspace):
    contact = Contact.objects.create(workspace=workspace, email="customer@example.com")
    return services.conversation_start(workspace=workspace, contact=contact)
