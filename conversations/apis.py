"""REST API for conversation history, authenticated by workspace API keys: list and search,
one conversation and its triage fields (priority, tags, topic), its messages, its export.

Keys whose role can view conversations (admin, agent) read; keys that can reply also change
the triage fields. The status is read-only here. Lists are paginated like every list of the
API (``page``, ``page_size`` up to 200)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_serializer
from rest_framework import generics, serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_auth import key_can
from chatassist.api import StrictCharField, StrictIntegerField, query_validated
from conversations import access, export, selectors, triage
from conversations.models import Attachment, Channel, Contact, Conversation, ConversationStatus, Message
from conversations.selectors import ConversationFilters

READ = key_can("can_view_conversations", write_only=False)
WRITE = key_can("can_reply")
# Sequence numbers are PostgreSQL integers: larger filter values are refused, not overflowed.
MAX_SEQ = 2**31 - 1


class ContactOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "name", "email", "external_id", "verified"]


class ConversationOutputSerializer(serializers.ModelSerializer):
    contact = ContactOutputSerializer()
    assignee = serializers.EmailField(source="assignee.email", allow_null=True, default=None)
    message_count = serializers.IntegerField(source="last_seq")

    class Meta:
        model = Conversation
        fields = [
            "id",
            "status",
            "priority",
            "tags",
            "topic",
            "channel",
            "contact",
            "assignee",
            "csat_score",
            "csat_comment",
            "started_at",
            "last_message_at",
            "resolved_at",
            "resolved_by",
            "message_count",
        ]


class EscalationOutputSerializer(serializers.Serializer):
    reason = serializers.CharField()
    rule = serializers.CharField()
    at = serializers.DateTimeField()


class ConversationDetailOutputSerializer(ConversationOutputSerializer):
    escalation = serializers.SerializerMethodField()

    class Meta(ConversationOutputSerializer.Meta):
        fields = [*ConversationOutputSerializer.Meta.fields, "escalation"]

    @extend_schema_field(EscalationOutputSerializer(allow_null=True))
    def get_escalation(self, conversation):
        escalation = selectors.escalation_of(conversation=conversation)
        return EscalationOutputSerializer(escalation).data if escalation else None


class ConversationListApi(generics.ListAPIView):
    permission_classes = [*APIView.permission_classes, READ]
    serializer_class = ConversationOutputSerializer

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=ConversationStatus.choices, required=False)
        channel = serializers.ChoiceField(choices=Channel.choices, required=False)
        tag = serializers.CharField(max_length=50, required=False)
        topic = serializers.CharField(max_length=100, required=False)
        started_after = serializers.DateTimeField(required=False, help_text="Inclusive; ISO 8601.")
        started_before = serializers.DateTimeField(required=False, help_text="Exclusive; ISO 8601.")
        last_message_after = serializers.DateTimeField(required=False, help_text="Inclusive; ISO 8601.")
        last_message_before = serializers.DateTimeField(required=False, help_text="Exclusive; ISO 8601.")
        q = serializers.CharField(
            max_length=200,
            required=False,
            help_text='Full-text search of the messages: words, "a phrase", -excluded, or.',
        )

    @extend_schema(parameters=[FilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        data = query_validated(self.FilterSerializer, self.request)
        filters = ConversationFilters(search=data.pop("q", ""), **data)
        return selectors.conversations_of(workspace=self.request.workspace, filters=filters)


class ConversationDetailApi(APIView):
    permission_classes = [*APIView.permission_classes, READ, WRITE]

    @extend_schema_serializer(component_name="ConversationTriage")
    class InputSerializer(serializers.Serializer):
        unknown_fields_refused = True  # see validate(); the schema says so (chatassist/api_schema.py)

        priority = StrictIntegerField(min_value=1, max_value=5, required=False, help_text="1 is most urgent.")
        tags = serializers.ListField(child=StrictCharField(max_length=50), max_length=triage.MAX_TAGS, required=False)
        topic = StrictCharField(max_length=100, allow_blank=True, required=False)

        def validate_tags(self, tags):
            return list(dict.fromkeys(tags))  # each tag once, in the order given

        def validate(self, data):
            # DRF would ignore them; a client that sends them expects them to take effect.
            names = set(self.initial_data) if isinstance(self.initial_data, dict) else set()
            errors = {
                name: "This field is read-only."
                if name in ConversationDetailOutputSerializer.Meta.fields
                else "Unknown field: only priority, tags and topic can be changed."
                for name in sorted(names - set(self.fields))
            }
            if errors:
                raise serializers.ValidationError(errors)
            return data

    @extend_schema(responses=ConversationDetailOutputSerializer)
    def get(self, request, conversation_id: int):
        conversation = access.conversation_for(request.workspace, conversation_id)
        return Response(ConversationDetailOutputSerializer(conversation).data)

    @extend_schema(request=InputSerializer, responses=ConversationDetailOutputSerializer)
    def patch(self, request, conversation_id: int):
        conversation = access.conversation_for(request.workspace, conversation_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conversation = triage.conversation_triage(
            conversation=conversation, actor=request.auth, **serializer.validated_data
        )
        return Response(ConversationDetailOutputSerializer(conversation).data)


class CitationOutputSerializer(serializers.Serializer):
    index = serializers.IntegerField(required=False)
    document_title = serializers.CharField(required=False)
    section = serializers.CharField(required=False)
    document_id = serializers.IntegerField(required=False, allow_null=True)


class AttachmentOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "file_name", "content_type", "size"]


class MessageOutputSerializer(serializers.ModelSerializer):
    author_name = serializers.CharField(source="author.display_name", allow_null=True, default=None)
    citations = CitationOutputSerializer(many=True, read_only=True)
    attachments = AttachmentOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "seq",
            "sender",
            "text",
            "client_id",
            "status",
            "created_at",
            "author_name",
            "partial",
            "internal",
            "provider",
            "model",
            "input_tokens",
            "output_tokens",
            "cost_usd",
            "first_token_ms",
            "total_ms",
            "confidence",
            "citations",
            "attachments",
        ]


class MessageListApi(generics.ListAPIView):
    """The conversation's messages after ``after_seq``, oldest first."""

    permission_classes = [*APIView.permission_classes, READ]
    serializer_class = MessageOutputSerializer

    class FilterSerializer(serializers.Serializer):
        after_seq = serializers.IntegerField(
            min_value=0, max_value=MAX_SEQ, default=0, help_text="Only messages with a greater sequence number."
        )

    @extend_schema(parameters=[FilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        conversation = access.conversation_for(self.request.workspace, self.kwargs["conversation_id"])
        after_seq = query_validated(self.FilterSerializer, self.request)["after_seq"]
        return selectors.messages_of(conversation=conversation, after_seq=after_seq)


class FormatIsNotARenderer(DefaultContentNegotiation):
    """Here ``?format=`` names the export's file format, not a DRF renderer: the file is
    the answer, and errors stay JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ConversationExportApi(APIView):
    permission_classes = [*APIView.permission_classes, READ]
    content_negotiation_class = FormatIsNotARenderer

    class FilterSerializer(serializers.Serializer):
        format = serializers.ChoiceField(choices=[("md", "Markdown"), ("pdf", "PDF")], default="md")

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=list(export.EXPORT_FORMATS), default="md")],
        responses={(200, "text/markdown"): OpenApiTypes.STR, (200, "application/pdf"): OpenApiTypes.BINARY},
        description="The transcript as a file to save: Markdown or PDF, with the AI's provenance.",
    )
    def get(self, request, conversation_id: int):
        conversation = access.conversation_for(request.workspace, conversation_id)
        return export.export_download(conversation, query_validated(self.FilterSerializer, request)["format"])
