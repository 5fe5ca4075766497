#!/usr/bin/env python3
"""Writes tests/data/chat/chat_template_goldens.json: reference renders of chat templates.

Each entry holds a real template source (as found in the model's tokenizer_config.json /
GGUF `tokenizer.chat_template`), the family aigc must detect for it, the BOS/EOS texts of
that model's tokenizer, and conversations rendered by Hugging Face transformers'
`render_jinja_template` (the same sandboxed Jinja environment apply_chat_template uses:
trim_blocks, lstrip_blocks, raise_exception). A conversation the template rejects is
stored with "error" instead of "expected".

Template sources:
  smollm2_chatml   /work/models/SmolLM2-135M-Instruct.Q4_1.gguf, tokenizer.chat_template
                   (read with gguf.GGUFReader when the file is present; the copy below is
                   what it held when this script was written).
  chatml           teknium/OpenHermes-2.5-Mistral-7B (plain ChatML, no default system).
  llama2           meta-llama/Llama-2-7b-chat-hf.
  llama3           meta-llama/Meta-Llama-3-8B-Instruct.
  mistral          mistralai/Mistral-7B-Instruct-v0.2 (the original, also Mixtral-8x7B).
  gemma2           google/gemma-2-9b-it (also gemma-2-2b-it).
  gemma3           google/gemma-3-*-it (text part of the template).
  phi3             microsoft/Phi-3-mini-4k-instruct (2024-05 revision, with system role).

Deviations of aigc's renderer from a reference that raises are not stored here (the
template's exception would be the golden): Gemma-2 and Mistral v0.2 reject a system
message, aigc folds it into the first user turn the way Gemma-3 does ("system\\n\\nuser").
Those cases are checked by hand in tests/runtime/test_chat_template.cpp.

Usage: pip install transformers jinja2 gguf; python3 tests/reference/make_chat_template_goldens.py
"""
import json
import os

from transformers.utils.chat_template_utils import render_jinja_template

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "data", "chat", "chat_template_goldens.json")
SMOLLM2_GGUF = "/work/models/SmolLM2-135M-Instruct.Q4_1.gguf"

SMOLLM2 = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face"
    "<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}"
    "{% endif %}"
)

CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}"
    "{% endif %}"
)

# Jinja string escapes (\\n) are kept as written in tokenizer_config.json.
LLAMA2 = (
    "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
    "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
    "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{% endif %}{% if loop.index0 == 0 and system_message != false %}"
    "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
    "{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}"
    "{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}"
    "{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}"
)

LLAMA3 = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}"
    "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ "
    "message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
    "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)

MISTRAL = (
    "{{ bos_token }}{% for message in messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
    "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}"
    "{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}"
)

GEMMA2 = (
    "{{ bos_token }}{% if messages[0]['role'] == 'system' %}"
    "{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}"
    "{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}"
    "{% set role = message['role'] %}{% endif %}"
    "{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}"
)

GEMMA3 = """{{ bos_token }}
{%- if messages[0]['role'] == 'system' -%}
    {%- if messages[0]['content'] is string -%}
        {%- set first_user_prefix = messages[0]['content'] + '\\n\\n' -%}
    {%- else -%}
        {%- set first_user_prefix = messages[0]['content'][0]['text'] + '\\n\\n' -%}
    {%- endif -%}
    {%- set loop_messages = messages[1:] -%}
{%- else -%}
    {%- set first_user_prefix = "" -%}
    {%- set loop_messages = messages -%}
{%- endif -%}
{%- for message in loop_messages -%}
    {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) -%}
        {{ raise_exception("Conversation roles must alternate user/assistant/user/assistant/...") }}
    {%- endif -%}
    {%- if (message['role'] == 'assistant') -%}
        {%- set role = "model" -%}
    {%- else -%}
        {%- set role = message['role'] -%}
    {%- endif -%}
    {{ '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else "") }}
    {%- if message['content'] is string -%}
        {{ message['content'] | trim }}
    {%- elif message['content'] is iterable -%}
        {%- for item in message['content'] -%}
            {%- if item['type'] == 'image' -%}
                {{ '<start_of_image>' }}
            {%- elif item['type'] == 'text' -%}
                {{ item['text'] | trim }}
            {%- endif -%}
        {%- endfor -%}
    {%- else -%}
        {{ raise_exception("Invalid content type") }}
    {%- endif -%}
    {{ '<end_of_turn>\\n' }}
{%- endfor -%}
{%- if add_generation_prompt -%}
    {{'<start_of_turn>model\\n'}}
{%- endif -%}
"""

PHI3 = (
    "{% for message in messages %}{% if message['role'] == 'system' %}"
    "{{'<|system|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'user' %}"
    "{{'<|user|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'assistant' %}"
    "{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}"
)


def m(role, content):
    return {"role": role, "content": content}


SYS = m("system", "You are a terse assistant.")
CONVERSATIONS = {
    "user": [m("user", "Hello")],
    "system_user": [SYS, m("user", "Hello")],
    "multi_turn": [m("user", "Hi!"), m("assistant", "Hello, how can I help?"),
                   m("user", "Tell me a joke.")],
    "system_multi_turn": [SYS, m("user", "Hi!"), m("assistant", "Hello."), m("user", "Bye.")],
    # Newlines, padding (stripped by some templates, including Unicode spaces Python strips),
    # and multi-byte UTF-8.
    "whitespace_unicode": [
        m("user", "  Line one\nLine two\n\n"),
        m("assistant", " R\u00e9ponse : \u00e7a va ? \u4f60\u597d \U0001F600 \n"),
        m("user", "\u00a0nbsp and ideographic space\u3000\t"),
    ],
    "empty_content": [m("user", ""), m("assistant", ""), m("user", "x")],
    "user_user": [m("user", "a"), m("user", "b")],
    "assistant_first": [m("assistant", "a"), m("user", "b")],
}
SYSTEM_CASES = {"system_user", "system_multi_turn"}

ENTRIES = [
    # name, family, template, default_system, bos, eos, skipped conversations
    ("smollm2_chatml", "chatml", SMOLLM2,
     "You are a helpful AI assistant named SmolLM, trained by Hugging Face",
     "<|im_start|>", "<|im_end|>", set()),
    ("chatml", "chatml", CHATML, "", "<|im_start|>", "<|im_end|>", set()),
    ("llama2", "llama2", LLAMA2, "", "<s>", "</s>", set()),
    ("llama3", "llama3", LLAMA3, "", "<|begin_of_text|>", "<|eot_id|>", set()),
    ("mistral_v02", "mistral", MISTRAL, "", "<s>", "</s>", SYSTEM_CASES),
    ("gemma2", "gemma", GEMMA2, "", "<bos>", "<eos>", SYSTEM_CASES),
    ("gemma3", "gemma", GEMMA3, "", "<bos>", "<eos>", set()),
    ("phi3", "phi3", PHI3, "", "<s>", "<|endoftext|>", set()),
]


def smollm2_template_from_gguf():
    if not os.path.exists(SMOLLM2_GGUF):
        return None
    import gguf
    field = gguf.GGUFReader(SMOLLM2_GGUF).fields["tokenizer.chat_template"]
    return bytes(field.parts[field.data[0]]).decode("utf-8")


def main():
    from_gguf = smollm2_template_from_gguf()
    if from_gguf is not None:
        assert from_gguf == SMOLLM2, "SmolLM2 GGUF template differs from the copy here"
    entries = []
    for name, family, template, default_system, bos, eos, skip in ENTRIES:
        cases = []
        for conv_name, messages in CONVERSATIONS.items():
            if conv_name in skip:
                continue
            for gen in (True, False):
                case = {"conversation": conv_name, "messages": messages,
                        "add_generation_prompt": gen}
                try:
                    out = render_jinja_template(conversations=[messages], chat_template=template,
                                                add_generation_prompt=gen, bos_token=bos,
                                                eos_token=eos)
                    case["expected"] = out[0][0] if isinstance(out, tuple) else out[0]
                except Exception as e:  # the template's raise_exception
                    case["error"] = str(e)
                cases.append(case)
        entries.append({"name": name, "family": family, "template": template,
                        "default_system": default_system, "bos": bos, "eos": eos,
                        "cases": cases})
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"entries": entries}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {OUT}: {sum(len(e['cases']) for e in entries)} cases")


if __name__ == "__main__":
    main()
