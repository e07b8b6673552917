"""The official Anthropic Python SDK against the gateway's `/v1/messages`, as a user's
code calls it (the key as `x-api-key`, the SDK's default).

Run by server/tests/api/sdks.rs with AGF_BASE_URL (the server's root) and AGF_KEY (a key
with the run scope); the demo provider is the fake model. Prints one line per check and
exits non-zero at the first that fails.
"""

import os

import anthropic

from check import check

client = anthropic.Anthropic(
    base_url=os.environ["AGF_BASE_URL"], api_key=os.environ["AGF_KEY"], max_retries=0
)

message = client.messages.create(
    model="cheap",
    max_tokens=200,
    system="Be brief.",
    messages=[{"role": "user", "content": "Say hello"}],
)
check(
    "a message is answered",
    message.content[0].type == "text"
    and "Say hello" in message.content[0].text
    and message.stop_reason == "end_turn"
    and message.usage.output_tokens > 0,
    message,
)

with client.messages.stream(
    model="demo-fast", max_tokens=200, messages=[{"role": "user", "content": "Say hello"}]
) as stream:
    text = "".join(stream.text_stream)
    final = stream.get_final_message()
check("a stream is answered", bool(text) and final.content[0].text == text, (text, final))

tools = [
    {
        "name": "lookup",
        "description": "Looks a word up.",
        "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}},
    }
]
messages = [{"role": "user", "content": '[fake:tool=lookup {"q": "gateway"}] Look it up'}]
called = client.messages.create(model="demo-fast", max_tokens=200, messages=messages, tools=tools)
use = next(block for block in called.content if block.type == "tool_use")
check(
    "a tool is used",
    called.stop_reason == "tool_use" and use.name == "lookup" and use.input == {"q": "gateway"},
    called,
)
messages += [
    {"role": "assistant", "content": [block.model_dump() for block in called.content]},
    {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": use.id, "content": "a service in front of models"}],
    },
]
with client.messages.stream(model="demo-fast", max_tokens=200, messages=messages, tools=tools) as stream:
    answer = stream.get_final_message()
check("the tool's result is answered", "a service in front of models" in answer.content[0].text, answer)

try:
    client.messages.create(
        model="demo-fast", max_tokens=10, messages=[{"role": "user", "content": "x"}], extra_body={"top_k": 5}
    )
    check("an unsupported parameter is refused", False)
except anthropic.BadRequestError as error:
    check("an unsupported parameter is a BadRequestError naming it", "top_k" in error.message, error.message)

try:
    client.messages.create(model="no-such-model", max_tokens=10, messages=[{"role": "user", "content": "x"}])
    check("an unknown model is refused", False)
except anthropic.NotFoundError as error:
    check("an unknown model is a NotFoundError", error.body["error"]["type"] == "not_found_error", error.body)

try:
    anthropic.Anthropic(base_url=os.environ["AGF_BASE_URL"], api_key="agf_wrong", max_retries=0).messages.create(
        model="cheap", max_tokens=10, messages=[{"role": "user", "content": "x"}]
    )
    check("a wrong key is refused", False)
except anthropic.AuthenticationError:
    check("a wrong key is an AuthenticationError", True)
