"""What every API response has in common: errors as ``{"code", "detail"}`` JSON, pagination."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from accounts.errors import DomainError


class Pagination(PageNumberPagination):
    """Pages numbered from 1. A malformed ``page`` or ``page_size`` is a 400 (DRF would quietly
    answer page 1 of the default size); a page past the last is a 404. A ``page_size`` over
    the maximum gives the maximum."""

    page_size_query_param = "page_size"
    max_page_size = 200
    last_page_strings = ()

    def get_page_size(self, request):
        return _query_positive_int(request, self.page_size_query_param, self.page_size, maximum=self.max_page_size)

    def get_page_number(self, request, paginator):
        return _query_positive_int(request, self.page_query_param, 1)

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "A page number, from 1.",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page ({self.page_size} unless given); more than {self.max_page_size} "
                f"gives {self.max_page_size}.",
                "schema": {"type": "integer", "minimum": 1},
            },
        ]


def _query_positive_int(request, name: str, default: int, *, maximum: int | None = None) -> int:
    value = request.query_params.get(name)
    if value is None:
        return default
    if not (value.isascii() and value.isdigit()) or not value.strip("0"):
        raise exceptions.ValidationError({name: ["A whole number of at least 1."]})
    number = int(value) if len(value) < 19 else 10**18  # int() refuses thousands of digits
    return min(number, maximum) if maximum else number


# Fields for JSON bodies that take only the JSON type the schema names: DRF's own would
# take 0 as the text "0", and "3" or 3.0 as the number 3.


class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


def query_validated(serializer_class, request) -> dict:
    """``request.query_params`` checked by ``serializer_class``. A blank value counts as given,
    so ``?status=`` is refused like any other value not in the schema; DRF would read a blank
    in a QueryDict as "absent" and quietly use the default."""
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _first_message(detail) -> str:
    if isinstance(detail, dict):
        for field, value in detail.items():
            message = _first_message(value)
            return message if field in ("non_field_errors", "detail") else f"{field}: {message}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def exception_handler(exc, context):
    """DRF's handler, reshaped: a stable ``code``, a human ``detail``, and per-field errors."""
    if isinstance(exc, DomainError):
        return Response({"code": exc.code, "detail": exc.message}, status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "code": "invalid",
            "detail": _first_message(exc.detail),
            "fields": exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail},
        }
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = {"code": codes if isinstance(codes, str) else "error", "detail": _first_message(exc.detail)}
    return response


def json_error(code: str, detail: str, status_code: int) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail}, status=status_code)


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return json_error("not_found", "Not found.", status.HTTP_404_NOT_FOUND)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return json_error("server_error", "Something went wrong on our side; it has been logged.", 500)
    from django.views.defaults import server_error as html_server_error

    return html_server_error(request)


def csrf_failure(request, reason=""):
    if request.path.startswith("/api/"):
        return json_error("csrf_failed", "This request needs a CSRF token.", 403)
    from django.views.csrf import csrf_failure as html_csrf_failure

    return html_csrf_failure(request, reason)
