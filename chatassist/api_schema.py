"""The OpenAPI schema says what the API really answers, errors included.

Every operation lists the 4xx it can return, each with the shared ``Error`` body that
``chatassist.api.exception_handler`` writes. Most are read from how the view is set up, so
they cannot drift from it: 401 where a key is required, 403 where a permission class can
refuse this method, 404 for an object in the path or a page past the last, 400 for a body or
query parameters (each is validated), 415 for a body, 406 for content negotiation, 429 for
throttles. What a service refuses (409, 410) an operation declares with ``error_response``.

Input serializers with ``unknown_fields_refused = True`` are described as closed objects, and
text fields in requests say what DRF's CharField refuses: NUL (PostgreSQL could not store it)
and, unless blanks are allowed, text that is only spaces."""

from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiResponse
from rest_framework import negotiation, permissions, serializers

from accounts.api_auth import HasWorkspaceApiKey

ERROR_COMPONENT = "Error"
ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error of the API.",
    "properties": {
        "code": {"type": "string", "description": "Stable, for programs: `invalid`, `not_found`, `last_admin`, …"},
        "detail": {"type": "string", "description": "A sentence for people."},
        "fields": {
            "type": "object",
            "additionalProperties": True,
            "description": "With `invalid` only: the messages for each field of the request.",
        },
        "client_id": {"type": "string", "description": "Chat: the client id of the message refused."},
        "retry_after": {"type": "number", "description": "Chat, with `rate_limited`: seconds to wait."},
    },
    "required": ["code", "detail"],
}
ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}
# "+", not "*": with a blank-allowing field drf-spectacular adds a ``oneOf`` branch for "",
# and the two branches must not both match it.
NO_NUL = "^[^\\u0000]+$"
# A field that trims and refuses blanks refuses "  " too: it needs one character that stays.
NO_NUL_NOT_BLANK = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"


def error_response(description: str) -> OpenApiResponse:
    """An error an operation declares itself (``extend_schema(responses={409: …})``)."""
    return OpenApiResponse(response=ERROR_REF, description=description)


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        self.registry.register_on_missing(
            ResolvedComponent(
                name=ERROR_COMPONENT, type=ResolvedComponent.SCHEMA, object=ERROR_COMPONENT, schema=ERROR_SCHEMA
            )
        )
        responses = super()._get_response_bodies(direction)
        for status, description in self.error_statuses().items():
            responses.setdefault(
                str(status), {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}
            )
        return dict(sorted(responses.items()))

    def error_statuses(self) -> dict[int, str]:
        """The errors this operation can answer, from how its view is set up."""
        statuses = {}
        view_permissions = self.view.get_permissions()
        has_body = self.method in ("POST", "PUT", "PATCH") and bool(self._get_request_body())
        has_query = any(parameter["in"] == "query" for parameter in self._get_parameters())
        if has_body or has_query:
            statuses[400] = "The request is not valid: `code` says why (`invalid`: see `fields`)."
        if self.view.get_authenticators() and not any(
            isinstance(permission, permissions.AllowAny) for permission in view_permissions
        ):
            statuses[401] = "No API key, or one that is not valid or has been revoked."
        if any(_can_refuse(permission, self.method) for permission in view_permissions):
            statuses[403] = "The API key's role does not allow this."
        paginated = self._is_list_view() and self._get_paginator() is not None
        if "{" in self.path or paginated:
            statuses[404] = "Not found in this workspace" + (" (or a page past the last)." if paginated else ".")
        if type(self.view.get_content_negotiator()) is negotiation.DefaultContentNegotiation:
            statuses[406] = "The Accept header asks for something other than JSON."
        if has_body:
            statuses[415] = "The body is not JSON."
        if self.view.get_throttles():
            statuses[429] = "Too many requests: the Retry-After header says when to try again."
        return statuses

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and getattr(serializer, "unknown_fields_refused", False):
            schema["additionalProperties"] = False
        return schema

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and schema
            and schema.get("type") == "string"
            and not {"format", "pattern", "enum"} & set(schema)
        ):
            schema["pattern"] = NO_NUL if field.allow_blank or not field.trim_whitespace else NO_NUL_NOT_BLANK
        return schema


def _can_refuse(permission, method: str) -> bool:
    """403 unless the permission only checks the key (401) or never applies to ``method``."""
    # A tuple: DRF's permission classes overload ``|`` to combine permissions.
    if isinstance(permission, (HasWorkspaceApiKey, permissions.AllowAny)):
        return False
    refuses_safe_methods = getattr(permission, "refuses_safe_methods", True)
    return method not in permissions.SAFE_METHODS or refuses_safe_methods
