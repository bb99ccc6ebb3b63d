#!/usr/bin/python3
"""Reference fixtures for the architectures the model module loads, and a check of what it saves.

    /usr/bin/python3 model/src/test/python/make_fixtures.py            # rewrite the fixtures
    /usr/bin/python3 model/src/test/python/make_fixtures.py --check D  # compare a Java-saved checkpoint

Writes, for each architecture, model/src/test/resources/fixtures/<name>/ with a tiny random-weight
checkpoint (config.json + model.safetensors in the dtype a real one of that family ships in) and the
reference: sequences.json (token ids) and logits.safetensors (logits.<i>, (T, V) float32, one per
sequence). The reference is torch_llama.py (the project's PyTorch twin, written from Hugging Face's
formulas) run in float64 on the stored weights, so a float32 implementation should agree to ~1e-6;
ArchitectureFixturesTest fails above 1e-4. Needs Debian's python3-torch (1.13), no transformers.

--check D [--base B] reads a checkpoint directory the Java side saved (single file or sharded, any dtype) and
D/logits.json ({"sequences": [[ids]], "logits": [[[T x V]]]}, what Java computed after reloading
it), and prints the largest difference to PyTorch's logits on the same files; with --base, also
how many stored values differ from PyTorch's own conversion of the base's tensors to that dtype.
SaveLikeTheBaseTest leaves such directories in model/target/pytorch-check/.
"""
import argparse
import json
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
MODULE = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(MODULE, "src/main/resources/io/rlrf/model/bench"))
import torch_llama  # noqa: E402

OUT = os.path.join(MODULE, "src/test/resources/fixtures")
ST_DTYPE = {torch.float32: "F32", torch.bfloat16: "BF16", torch.float16: "F16"}
TORCH_DTYPE = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}

# Tiny shapes: V=64, C=32, F=64, 2 layers, 4 query heads over 2 K/V heads (GQA), D=8 unless set.
BASE = {
    "vocab_size": 64, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
    "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 64,
    "hidden_act": "silu", "bos_token_id": 1, "eos_token_id": 2,
}

# One entry per architecture: its config.json fields beyond BASE, and what the fixture exercises.
ARCHITECTURES = {
    # TinyLlama / SmolLM / Llama 2: plain RoPE, untied head
    "llama": {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "rms_norm_eps": 1e-5,
              "rope_theta": 10000.0, "rope_scaling": None, "attention_bias": False, "mlp_bias": False,
              "tie_word_embeddings": False, "torch_dtype": "float32"},
    # Llama 3.1/3.2: llama3 RoPE scaling. theta 100 and an original context of 32 put the four
    # frequencies (wavelengths 6.3, 19.9, 62.8, 199) in all three bands: kept, interpolated, divided.
    "llama3": {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "rms_norm_eps": 1e-5,
               "rope_theta": 100.0, "attention_bias": False, "mlp_bias": False, "tie_word_embeddings": True,
               "rope_scaling": {"rope_type": "llama3", "factor": 4.0, "low_freq_factor": 1.0,
                                "high_freq_factor": 4.0, "original_max_position_embeddings": 32},
               "torch_dtype": "bfloat16"},
    # Linear position interpolation (the older "type" key), stored in float16
    "llama-linear": {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "rms_norm_eps": 1e-5,
                     "rope_theta": 100.0, "rope_scaling": {"type": "linear", "factor": 2.0},
                     "tie_word_embeddings": False, "torch_dtype": "float16"},
    # Llama's attention_bias: biases on q, k, v and o
    "llama-bias": {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "rms_norm_eps": 1e-5,
                   "rope_theta": 10000.0, "attention_bias": True, "mlp_bias": False,
                   "tie_word_embeddings": False, "torch_dtype": "float32"},
    # Qwen2 / Qwen2.5 (small ones): q/k/v biases, tied embeddings, bf16
    "qwen2": {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "rms_norm_eps": 1e-6,
              "rope_theta": 1000000.0, "rope_scaling": None, "use_sliding_window": False,
              "sliding_window": 32, "max_window_layers": 2, "attention_dropout": 0.0,
              "tie_word_embeddings": True, "torch_dtype": "bfloat16"},
    # Mistral: sliding window 8 (sequences run to 48), head_dim 16 != hidden / heads
    "mistral": {"architectures": ["MistralForCausalLM"], "model_type": "mistral", "rms_norm_eps": 1e-5,
                "rope_theta": 10000.0, "sliding_window": 8, "head_dim": 16, "tie_word_embeddings": False,
                "torch_dtype": "float32"},
}

LENGTHS = (48, 21, 5)


def has_bias(cfg):
    """(q/k/v, o) biases of the family."""
    if cfg["model_type"] == "qwen2":
        return True, False
    both = bool(cfg.get("attention_bias"))
    return both, both


def random_weights(cfg, seed):
    """Every tensor by Hugging Face name: norms 1 + N(0, 0.1), matrices and biases N(0, 0.2), large
    enough that attention is sharp and positions, windows and biases move the logits."""
    g = torch.Generator().manual_seed(seed)
    C, F, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    H, Hkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    D = cfg.get("head_dim") or C // H
    qkv_bias, o_bias = has_bias(cfg)

    def normal(*shape, std=0.2):
        return torch.randn(*shape, generator=g) * std

    w = {"model.embed_tokens.weight": normal(V, C, std=1.0)}
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        w[p + "input_layernorm.weight"] = 1 + normal(C, std=0.1)
        for name, rows in (("q_proj", H * D), ("k_proj", Hkv * D), ("v_proj", Hkv * D)):
            w[p + "self_attn.%s.weight" % name] = normal(rows, C)
            if qkv_bias:
                w[p + "self_attn.%s.bias" % name] = normal(rows)
        w[p + "self_attn.o_proj.weight"] = normal(C, H * D)
        if o_bias:
            w[p + "self_attn.o_proj.bias"] = normal(C)
        w[p + "post_attention_layernorm.weight"] = 1 + normal(C, std=0.1)
        w[p + "mlp.gate_proj.weight"] = normal(F, C)
        w[p + "mlp.up_proj.weight"] = normal(F, C)
        w[p + "mlp.down_proj.weight"] = normal(C, F)
    w["model.norm.weight"] = 1 + normal(C, std=0.1)
    if not cfg.get("tie_word_embeddings"):
        w["lm_head.weight"] = normal(V, C)
    return w


def write_safetensors(path, tensors, metadata=None):
    """Tensors in their own dtypes, header padded to 8 bytes as the reference writer does."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        t = t.contiguous()
        raw = (t.view(torch.int16) if t.dtype in (torch.bfloat16, torch.float16) else t).numpy().tobytes()
        header[name] = {"dtype": ST_DTYPE[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


@torch.no_grad()
def reference_logits(cfg, w, ids, dtype=torch.float64):
    """Logits (T, V) of one sequence, a full causal pass (with the config's sliding window)."""
    model = torch_llama.Llama(cfg, w, dtype)
    T = len(ids)
    x = torch.tensor([ids])
    bias = torch_llama.causal_bias(T, T, 0, model.window).to(dtype)
    return model.forward(x, torch.arange(T)[None], bias)[0]


def without_feature(name, cfg, w):
    """The same checkpoint with its architecture's feature switched off, or None: how much it matters."""
    cfg = dict(cfg)
    if name in ("llama3", "llama-linear"):
        cfg["rope_scaling"] = None
    elif name == "mistral":
        cfg["sliding_window"] = None
    elif name in ("qwen2", "llama-bias"):
        w = {k: (torch.zeros_like(v) if k.endswith(".bias") else v) for k, v in w.items()}
    else:
        return None
    return cfg, w


def make(name, index):
    cfg = dict(BASE)
    cfg.update(ARCHITECTURES[name])
    dtype = TORCH_DTYPE[cfg["torch_dtype"]]
    stored = {k: v.to(dtype) for k, v in random_weights(cfg, 1000 + index).items()}
    g = torch.Generator().manual_seed(2000 + index)
    sequences = [torch.randint(0, cfg["vocab_size"], (n,), generator=g).tolist() for n in LENGTHS]
    logits = [reference_logits(cfg, stored, s) for s in sequences]

    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(d, "model.safetensors"), stored, {"format": "pt"})
    with open(os.path.join(d, "sequences.json"), "w") as f:
        json.dump({"sequences": sequences}, f)
        f.write("\n")
    write_safetensors(os.path.join(d, "logits.safetensors"),
                      {"logits.%d" % i: l.float() for i, l in enumerate(logits)})

    # what float32 alone costs, and how much the family's feature moves the logits
    fp32 = max((reference_logits(cfg, stored, s, torch.float32).double() - l).abs().max().item()
               for s, l in zip(sequences, logits))
    off = without_feature(name, cfg, stored)
    feature = "" if off is None else ", feature off moves logits by %.3f" % max(
        (reference_logits(off[0], off[1], s) - l).abs().max().item() for s, l in zip(sequences, logits))
    size = os.path.getsize(os.path.join(d, "model.safetensors"))
    print("%-13s %-8s %6d bytes, |logits| <= %.2f, float32 torch vs float64 %.1e%s"
          % (name, cfg["torch_dtype"], size, max(l.abs().max().item() for l in logits), fp32, feature))


def check(directory, base=None):
    cfg = json.load(open(os.path.join(directory, "config.json")))
    w = torch_llama.load_checkpoint(directory)
    dtypes = sorted({ST_DTYPE[t.dtype] for t in w.values()})
    if base:  # Java's rounding to the stored dtype against PyTorch's .to(dtype) of the base's tensors
        b = torch_llama.load_checkpoint(base)
        differ = sum((b[k].to(w[k].dtype).view(torch.int16 if w[k].dtype != torch.float32 else torch.int32)
                      != w[k].view(torch.int16 if w[k].dtype != torch.float32 else torch.int32)).sum().item() for k in w)
        print("%s: %d of %d elements differ from PyTorch's conversion of %s to %s"
              % (directory, differ, sum(t.numel() for t in w.values()), base, dtypes))
        if differ:
            return float("inf")
    java = json.load(open(os.path.join(directory, "logits.json")))
    worst = 0.0
    for ids, expected in zip(java["sequences"], java["logits"]):
        ours = reference_logits(cfg, w, ids)
        worst = max(worst, (ours - torch.tensor(expected, dtype=torch.float64)).abs().max().item())
    files = sorted(f for f in os.listdir(directory) if f.endswith(".safetensors"))
    print("%s: model_type %s, torch_dtype %s, tensors stored as %s in %d file(s) %s; %d sequences; "
          "max |java - torch| = %.3g" % (directory, cfg["model_type"], cfg.get("torch_dtype"), dtypes, len(files),
                                        files, len(java["sequences"]), worst))
    return worst


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--check", metavar="DIR", help="compare a Java-saved checkpoint's logits.json with PyTorch")
    ap.add_argument("--base", metavar="DIR", help="with --check: the checkpoint Java loaded before saving; every "
                    "stored value must equal PyTorch's conversion of the base's")
    ap.add_argument("--tolerance", type=float, default=1e-4)
    a = ap.parse_args()
    torch.set_num_threads(1)
    if a.check:
        sys.exit(0 if check(a.check, a.base) <= a.tolerance else 1)
    for i, name in enumerate(ARCHITECTURES):
        make(name, i)


if __name__ == "__main__":
    main()
