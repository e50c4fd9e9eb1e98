from knowledge.checks import embeddings_backend_is_known


def test_default_embeddings_settings_pass(settings):
    settings.EMBEDDINGS_BACKEND = "local"
    assert embeddings_backend_is_known(None) == []


def test_unknown_embeddings_backend_is_an_error(settings):
    settings.EMBEDDINGS_BACKEND = "opneai"
    [error] = embeddings_backend_is_known(None)
    assert error.id == "knowledge.E001"


def test_openai_embeddings_without_a_key_is_an_error(settings):
    settings.EMBEDDINGS_BACKEND = "openai"
    settings.OPENAI_API_KEY = ""
    [error] = embeddings_backend_is_known(None)
    assert error.id == "knowledge.E002"
