#!/usr/bin/env python3
"""Builds the chat-template test fixtures under model/src/test/resources/fixtures/templates/.

For each of qwen2/ and llama3/ it writes
  tokenizer.json          a tiny byte-level BPE (256 byte tokens, 5 merges) with the family's
                          special tokens added after it, in the layout of the real tokenizer.json
                          (Qwen2: NFC, split regex + ByteLevel; Llama 3: its regex, ByteLevel, and the
                          post-processor that prepends <|begin_of_text|>)
  generation_config.json  with a list of EOS ids, as the real ones have
and, from the tokenizer_config.json already there (the real chat_template strings of
Qwen2.5-Instruct and Llama-3.2-Instruct, copied verbatim), it renders the conversations of
CONVERSATIONS with jinja2 set up the way transformers' apply_chat_template sets it up
(ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, loopcontrols, its tojson,
raise_exception and strftime_now) into expected_renders.json: the reference the Java renderer
(io.rlrf.model.chat.ChatTemplate) is tested against.

Needs only python3 and jinja2 (no transformers, no tokenizers, no network):
  python3 model/src/test/python/make_template_fixtures.py
"""
import datetime
import json
import os

import jinja2
import jinja2.ext
from jinja2.sandbox import ImmutableSandboxedEnvironment

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources", "fixtures", "templates")

# strftime_now's clock in the reference renders (the Java test pins its clock to the same day; not
# the template's own fallback date, 26 Jul 2024, so a render that skips strftime_now shows).
FIXED_NOW = datetime.datetime(2025, 3, 14, 12, 0, 0)

MERGES = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "s"), ("a", "t")]

QWEN2_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
LLAMA3_SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]

QWEN2_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
               r"|\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA3_SPLIT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")

CONVERSATIONS = [
    {"name": "one user turn, generation prompt",
     "messages": [{"role": "user", "content": "What is 2+3?"}], "add_generation_prompt": True},
    {"name": "one user turn, no generation prompt",
     "messages": [{"role": "user", "content": "What is 2+3?"}], "add_generation_prompt": False},
    {"name": "system prompt and a finished exchange",
     "messages": [{"role": "system", "content": "  Answer with a number. "},
                  {"role": "user", "content": " What is 2+3?\n"},
                  {"role": "assistant", "content": "5"},
                  {"role": "user", "content": "And 2+4?"}],
     "add_generation_prompt": True},
    {"name": "multi-line user turn",
     "messages": [{"role": "user", "content": "Q: 7*6\nShow the steps.\n\nThen the answer."}],
     "add_generation_prompt": True},
]


def bytes_to_unicode():
    """GPT-2's byte-to-character table: what a ByteLevel pre-tokenizer maps each byte to."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


def bpe_model():
    table = bytes_to_unicode()
    vocab = {table[b]: b for b in range(256)}
    for a, b in MERGES:
        vocab[a + b] = len(vocab)
    return {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
            "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
            "vocab": vocab, "merges": [a + " " + b for a, b in MERGES]}


def added(specials, first_id):
    return [{"id": first_id + i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True} for i, s in enumerate(specials)]


def byte_level(add_prefix_space, trim_offsets, use_regex):
    return {"type": "ByteLevel", "add_prefix_space": add_prefix_space, "trim_offsets": trim_offsets,
            "use_regex": use_regex}


def qwen2_tokenizer():
    model = bpe_model()
    return {"version": "1.0", "truncation": None, "padding": None,
            "added_tokens": added(QWEN2_SPECIALS, len(model["vocab"])),
            "normalizer": {"type": "NFC"},
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": QWEN2_SPLIT}, "behavior": "Isolated", "invert": False},
                byte_level(False, False, False)]},
            "post_processor": byte_level(False, False, False),
            "decoder": byte_level(False, False, False),
            "model": model}


def llama3_tokenizer():
    model = bpe_model()
    bos_id = len(model["vocab"])
    bos = {"id": "<|begin_of_text|>", "type_id": 0}
    return {"version": "1.0", "truncation": None, "padding": None,
            "added_tokens": added(LLAMA3_SPECIALS, bos_id),
            "normalizer": None,
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": LLAMA3_SPLIT}, "behavior": "Isolated", "invert": False},
                byte_level(False, True, False)]},
            "post_processor": {"type": "Sequence", "processors": [
                byte_level(True, False, True),
                {"type": "TemplateProcessing",
                 "single": [{"SpecialToken": bos}, {"Sequence": {"id": "A", "type_id": 0}}],
                 "pair": [{"SpecialToken": bos}, {"Sequence": {"id": "A", "type_id": 0}},
                          {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}},
                          {"Sequence": {"id": "B", "type_id": 1}}],
                 "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [bos_id],
                                                          "tokens": ["<|begin_of_text|>"]}}}]},
            "decoder": byte_level(True, True, True),
            "model": model}


def environment():
    """The jinja2 environment of transformers' chat_template_utils._compile_jinja_template."""
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(fmt):
        return FIXED_NOW.strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def special_tokens(config):
    """bos_token and eos_token as transformers passes them to the template (absent when null)."""
    out = {}
    for key in ("bos_token", "eos_token"):
        value = config.get(key)
        if isinstance(value, dict):
            value = value.get("content")
        if value is not None:
            out[key] = value
    return out


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def main():
    write_json(os.path.join(ROOT, "qwen2", "tokenizer.json"), qwen2_tokenizer())
    write_json(os.path.join(ROOT, "llama3", "tokenizer.json"), llama3_tokenizer())
    # Qwen2.5-Instruct's generation_config.json, ids moved: [<|im_end|>, <|endoftext|>]
    write_json(os.path.join(ROOT, "qwen2", "generation_config.json"),
               {"bos_token_id": 261, "pad_token_id": 261, "do_sample": True, "eos_token_id": [263, 261],
                "repetition_penalty": 1.05, "temperature": 0.7, "top_p": 0.8, "top_k": 20,
                "transformers_version": "4.37.0"})
    # Llama-3.2-Instruct's, ids moved: [<|end_of_text|>, <|eot_id|>]
    write_json(os.path.join(ROOT, "llama3", "generation_config.json"),
               {"bos_token_id": 261, "do_sample": True, "eos_token_id": [262, 265], "temperature": 0.6,
                "top_p": 0.9, "transformers_version": "4.45.0"})

    env = environment()
    expected = []
    for family in ("qwen2", "llama3"):
        with open(os.path.join(ROOT, family, "tokenizer_config.json"), encoding="utf-8") as f:
            config = json.load(f)
        template = env.from_string(config["chat_template"])
        for conv in CONVERSATIONS:
            text = template.render(messages=conv["messages"], tools=None, documents=None,
                                   add_generation_prompt=conv["add_generation_prompt"], **special_tokens(config))
            expected.append({"template": family, "name": conv["name"], "messages": conv["messages"],
                             "add_generation_prompt": conv["add_generation_prompt"], "expected": text})
    write_json(os.path.join(ROOT, "expected_renders.json"), expected)


if __name__ == "__main__":
    main()
