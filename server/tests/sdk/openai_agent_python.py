"""The official OpenAI Python SDK talking to an agent through the gateway: the agent is a
model (`agent:<name>`), the messages sent are the conversation.

Run by server/tests/api/sdks.rs with AGF_BASE_URL, AGF_KEY and AGF_AGENT (the agent's
name as a model names it); the demo provider is the fake model.
"""

import os

import openai

from check import check

client = openai.OpenAI(
    base_url=os.environ["AGF_BASE_URL"], api_key=os.environ["AGF_KEY"], max_retries=0
)
agent = "agent:" + os.environ["AGF_AGENT"]

answer = client.chat.completions.create(
    model=agent,
    messages=[
        {"role": "user", "content": "My name is Ada"},
        {"role": "assistant", "content": "Hello, Ada."},
        {"role": "user", "content": "[fake:reply=You are Ada] Who am I?"},
    ],
)
check("the agent answers the last message", answer.choices[0].message.content == "You are Ada", answer)
check("the agent is the model", answer.model == agent, answer.model)
check("the turn's usage is counted", answer.usage.total_tokens > 0, answer.usage)

text = ""
for chunk in client.chat.completions.create(
    model=agent,
    stream=True,
    messages=[{"role": "user", "content": "[fake:reply=Streamed from the agent] Hi"}],
):
    if chunk.choices:
        text += chunk.choices[0].delta.content or ""
check("the agent streams its answer", text == "Streamed from the agent", text)

try:
    client.chat.completions.create(
        model="agent:nobody-here", messages=[{"role": "user", "content": "Hi"}]
    )
    check("an unknown agent is refused", False)
except openai.NotFoundError:
    check("an unknown agent is refused", True)
