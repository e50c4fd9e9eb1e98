"""The OpenAPI schema describes the conversation endpoints, their filters and their files."""

from django.urls import reverse


def test_schema_describes_the_conversation_api(client, db):
    schema = client.get(reverse("api_schema"), HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    list_parameters = {parameter["name"] for parameter in paths["/api/v1/conversations/"]["get"]["parameters"]}
    assert {"status", "channel", "tag", "topic", "started_after", "started_before", "q", "page"} <= list_parameters
    assert {"get", "patch"} <= set(paths["/api/v1/conversations/{conversation_id}/"])
    messages = paths["/api/v1/conversations/{conversation_id}/messages/"]["get"]
    assert "after_seq" in {parameter["name"] for parameter in messages["parameters"]}
    export = paths["/api/v1/conversations/{conversation_id}/export/"]["get"]
    assert {"text/markdown", "application/pdf"} <= set(export["responses"]["200"]["content"])
    assert "format" in {parameter["name"] for parameter in export["parameters"]}
