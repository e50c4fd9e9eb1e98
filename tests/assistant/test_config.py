from assistant import AssistantConfig


def test_configuration_is_read_from_django_settings(settings):
    settings.ASSISTANT_PROVIDER = "openai"
    settings.ASSISTANT_FALLBACK_PROVIDER = "offline"
    settings.OPENAI_API_KEY = "sk-from-settings"
    settings.OPENAI_BASE_URL = "http://127.0.0.1:9/v1"
    settings.OPENAI_MODEL = "gpt-4.1"
    settings.ASSISTANT_FIRST_TOKEN_TIMEOUT = 7.5
    settings.ASSISTANT_MAX_ATTEMPTS = 2
    settings.MODEL_PRICES = {"gpt-4.1": [2.0, 8.0]}

    config = AssistantConfig.from_django_settings()

    assert (config.provider, config.fallback_provider) == ("openai", "offline")
    assert (config.openai_api_key, config.openai_base_url, config.openai_model) == (
        "sk-from-settings",
        "http://127.0.0.1:9/v1",
        "gpt-4.1",
    )
    assert config.first_token_timeout == 7.5
    assert config.max_attempts == 2
    assert config.model_prices == {"gpt-4.1": (2.0, 8.0)}


def test_api_keys_stay_out_of_the_configurations_repr():
    config = AssistantConfig(anthropic_api_key="sk-ant-secret", openai_api_key="sk-openai-secret")

    assert "secret" not in repr(config)
