"""The live preview: the prompt exactly as the provider layer assembles it for the model,
for a saved or draft version, with stand-ins where each question brings its own content."""

from assistant import prompting
from assistant.types import Passage, Turn
from prompts.models import PromptVersion
from prompts.rendering import completion_request

SAMPLE_PASSAGE = Passage(
    text="(The text of the best-matching help-centre passage. Up to five are given for each question.)",
    document_title="Article title",
    section="Section",
)
SAMPLE_QUESTION = "(The customer's question.)"


def prompt_preview_text(prompt_version: PromptVersion) -> str:
    history = [Turn(role="customer", text=f"(The last {prompt_version.history_turns} messages of the conversation.)")]
    request = completion_request(
        prompt_version=prompt_version,
        question=SAMPLE_QUESTION,
        history=history if prompt_version.history_turns else (),
        passages=[SAMPLE_PASSAGE],
    )
    lines = ["── System ──", prompting.system_prompt(request=request), ""]
    for role, text in prompting.conversation(request=request):
        lines += [f"── {'Customer' if role == 'user' else 'Assistant'} ──", text, ""]
    return "\n".join(lines).rstrip()
