"""The official OpenAI Python SDK against the gateway (chat and embeddings), as a user's
code calls it.

Run by server/tests/api/sdks.rs with AGF_BASE_URL (the server's /v1) and AGF_KEY (a key
with the run scope); the demo provider is the fake model. Prints one line per check
and exits non-zero at the first that fails.
"""

import json
import os

import openai
from pydantic import BaseModel

from check import check

client = openai.OpenAI(
    base_url=os.environ["AGF_BASE_URL"], api_key=os.environ["AGF_KEY"], max_retries=0
)

ids = [model.id for model in client.models.list()]
check("models are listed", "demo-fast" in ids and "cheap" in ids, ids)
check("a model is retrieved", client.models.retrieve("demo-fast").id == "demo-fast")

answer = client.chat.completions.create(
    model="cheap", messages=[{"role": "user", "content": "Say hello"}]
)
check("a chat is answered", bool(answer.choices[0].message.content))
check("usage is counted", answer.usage.total_tokens > 0)

text, usage = "", None
for chunk in client.chat.completions.create(
    model="demo-fast",
    stream=True,
    stream_options={"include_usage": True},
    messages=[{"role": "user", "content": "Say hello"}],
):
    if chunk.choices:
        text += chunk.choices[0].delta.content or ""
    usage = chunk.usage or usage
check("a stream is answered, usage last", bool(text) and usage.total_tokens > 0)

asked = {"logprobs": True, "top_logprobs": 2, "messages": [{"role": "user", "content": "Say hello"}]}
probed = client.chat.completions.create(model="demo-fast", **asked)
tokens = probed.choices[0].logprobs.content
check(
    "log probabilities come with the answer",
    "".join(t.token for t in tokens) == probed.choices[0].message.content
    and all(len(t.top_logprobs) == 2 and t.logprob <= 0 for t in tokens),
    probed.choices[0].logprobs,
)
text, tokens = "", []
for chunk in client.chat.completions.create(model="demo-fast", stream=True, **asked):
    if chunk.choices:
        text += chunk.choices[0].delta.content or ""
        tokens += (chunk.choices[0].logprobs and chunk.choices[0].logprobs.content) or []
check("and with a stream", bool(text) and "".join(t.token for t in tokens) == text, tokens)

tools = [
    {
        "type": "function",
        "function": {
            "name": "lookup",
            "description": "Looks a word up.",
            "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
        },
    }
]
messages = [{"role": "user", "content": '[fake:tool=lookup {"q": "gateway"}] Look it up'}]
called = client.chat.completions.create(model="demo-fast", messages=messages, tools=tools)
call = called.choices[0].message.tool_calls[0]
check(
    "a tool is called",
    called.choices[0].finish_reason == "tool_calls"
    and call.function.name == "lookup"
    and json.loads(call.function.arguments) == {"q": "gateway"},
)
messages += [
    called.choices[0].message.model_dump(exclude_none=True),
    {"role": "tool", "tool_call_id": call.id, "content": "a service in front of models"},
]
final = client.chat.completions.create(model="demo-fast", messages=messages, tools=tools)
check("the tool's result is answered", "a service in front of models" in final.choices[0].message.content)


class Person(BaseModel):
    name: str
    age: int


parsed = client.chat.completions.parse(
    model="demo-fast",
    messages=[{"role": "user", "content": "A person, please"}],
    response_format=Person,
)
check("structured output parses", isinstance(parsed.choices[0].message.parsed, Person))

# The SDK asks for base64 unless told otherwise, and decodes it.
embedded = client.embeddings.create(model="demo-embed", input=["solar panels", "cake"])
check(
    "texts are embedded",
    len(embedded.data) == 2 and len(embedded.data[0].embedding) == 64 and embedded.usage.prompt_tokens > 0,
)
floats = client.embeddings.create(model="demo-embed", input="solar panels", encoding_format="float")
check(
    "base64 and floats are the same vector",
    all(abs(a - b) < 1e-6 for a, b in zip(floats.data[0].embedding, embedded.data[0].embedding)),
)

try:
    client.chat.completions.create(
        model="demo-fast", temperature=5, messages=[{"role": "user", "content": "x"}]
    )
    check("a bad temperature is refused", False)
except openai.BadRequestError as error:
    check(
        "a bad temperature is a BadRequestError naming it",
        error.param == "temperature" and error.code == "invalid_value",
        (error.param, error.code),
    )

try:
    client.chat.completions.create(model="no-such-model", messages=[{"role": "user", "content": "x"}])
    check("an unknown model is refused", False)
except openai.NotFoundError as error:
    check("an unknown model is a NotFoundError", error.code == "model_not_found", error.code)

try:
    client.chat.completions.create(
        model="demo-fast", stream=True, messages=[{"role": "user", "content": "[fake:status=400] x"}]
    )
    check("a stream that cannot start is refused", False)
except openai.BadRequestError as error:
    check("a stream that cannot start fails before its first chunk", error.code == "provider_refused", error.code)
