"""The live preview: the prompt as the model will receive it, for a saved or draft version."""

from prompts.examples import examples_to_text
from prompts.models import PromptVersion


def prompt_preview_text(prompt_version: PromptVersion) -> str:
    persona = [f"Tone: {prompt_version.tone}" if prompt_version.tone else "Tone: (not set)"]
    persona.append(f"Language: {prompt_version.language or 'same as the customer'}")
    if prompt_version.max_response_words:
        persona.append(f"At most {prompt_version.max_response_words} words")
    persona.append(f"At most {prompt_version.max_response_tokens} tokens")
    sections = [
        "── System prompt ──",
        prompt_version.system_prompt,
        "",
        "── Persona and limits ──",
        "; ".join(persona),
        "",
        "── Help-centre passages ──",
        "(the best passages for each question, numbered [1], [2]… for citations)",
        "",
        "── Examples ──",
        examples_to_text(prompt_version.examples) or "(none)",
        "",
        "── Conversation ──",
        f"(the last {prompt_version.history_turns} messages, then the customer's question)",
    ]
    return "\n".join(sections)
