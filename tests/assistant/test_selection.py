"""Which providers answer, in which order."""

from assistant import AssistantConfig
from assistant.selection import PlannedProvider, provider_plan
from tests.assistant.streaming import collect, make_request, result_of

OFFLINE = PlannedProvider("offline", "offline")


def names(config: AssistantConfig, **request_overrides) -> list[str]:
    return [planned.name for planned in provider_plan(request=make_request(**request_overrides), config=config)]


def test_auto_prefers_anthropic_then_openai_then_compatible_then_offline():
    assert names(AssistantConfig(anthropic_api_key="a", openai_api_key="o")) == ["anthropic", "openai", "offline"]
    assert names(AssistantConfig(openai_api_key="o", openai_compatible_base_url="http://x/v1")) == [
        "openai",
        "openai_compatible",
        "offline",
    ]
    assert names(AssistantConfig(openai_compatible_base_url="http://x/v1")) == ["openai_compatible", "offline"]
    assert names(AssistantConfig()) == ["offline"]


def test_auto_fallback_skips_providers_that_are_not_configured():
    assert names(AssistantConfig(anthropic_api_key="a", openai_compatible_base_url="http://x/v1")) == [
        "anthropic",
        "openai_compatible",
        "offline",
    ]
    assert names(AssistantConfig(anthropic_api_key="a")) == ["anthropic", "offline"]


def test_explicit_providers_are_used_as_given():
    config = AssistantConfig(
        provider="openai", fallback_provider="anthropic", anthropic_api_key="a", openai_api_key="o"
    )

    assert names(config) == ["openai", "anthropic", "offline"]


def test_offline_fallback_means_no_paid_fallback():
    assert names(AssistantConfig(anthropic_api_key="a", openai_api_key="o", fallback_provider="offline")) == [
        "anthropic",
        "offline",
    ]


def test_request_provider_overrides_the_configured_one():
    config = AssistantConfig(anthropic_api_key="a", openai_api_key="o")

    assert names(config, provider="offline") == ["offline"]
    # "auto" fallback: the next configured provider after openai; there is none but offline.
    assert names(config, provider="openai") == ["openai", "offline"]


def test_models_come_from_the_request_then_the_configuration():
    config = AssistantConfig(
        anthropic_api_key="a", openai_api_key="o", anthropic_model="claude-x", openai_model="gpt-y"
    )

    default_plan = provider_plan(request=make_request(), config=config)
    chosen_plan = provider_plan(request=make_request(model="claude-z", fallback_model="gpt-w"), config=config)

    assert default_plan == (PlannedProvider("anthropic", "claude-x"), PlannedProvider("openai", "gpt-y"), OFFLINE)
    assert chosen_plan == (PlannedProvider("anthropic", "claude-z"), PlannedProvider("openai", "gpt-w"), OFFLINE)


def test_exhausted_budget_plans_only_offline():
    config = AssistantConfig(anthropic_api_key="a", openai_api_key="o")

    assert provider_plan(request=make_request(), config=config, budget_exceeded=True) == (OFFLINE,)


def test_a_named_provider_without_its_key_is_recorded_and_skipped(vendor_server, make_config):
    result = result_of(collect(make_request(), make_config(provider="anthropic", anthropic_api_key="")))

    assert result.provider == "openai"
    assert result.attempts[0].provider == "anthropic"
    assert result.attempts[0].error == "not_configured: missing API key or base URL"
    assert vendor_server.requests_to("messages") == []


def test_an_unknown_provider_name_is_recorded_and_skipped(make_config):
    result = result_of(collect(make_request(), make_config(provider="antropic", fallback_provider="offline")))

    assert result.provider == "offline"
    assert result.attempts[0].error == "not_configured: unknown provider"
    assert "Antropic" not in result.notice and "antropic is not configured" in result.notice


def test_a_language_model_is_planned_only_when_one_is_configured():
    from assistant.selection import language_model_planned

    def planned(config: AssistantConfig, **request_overrides) -> bool:
        return language_model_planned(request=make_request(**request_overrides), config=config)

    assert planned(AssistantConfig(anthropic_api_key="a"))
    assert planned(AssistantConfig(openai_compatible_base_url="http://x/v1"))
    assert not planned(AssistantConfig())
    assert not planned(AssistantConfig(anthropic_api_key="a", provider="offline", fallback_provider="offline"))
    # Named but without a key, and no configured fallback: nothing but offline would answer.
    assert not planned(AssistantConfig(provider="anthropic", fallback_provider="offline"))
    assert not planned(AssistantConfig(anthropic_api_key="a"), provider="offline")
