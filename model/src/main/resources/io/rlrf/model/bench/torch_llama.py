#!/usr/bin/python3
"""The same Llama-family network in PyTorch eager: the side-by-side benchmark and the reference twin.

Run by io.rlrf.model.bench.Bench on the checkpoint the Java side just wrote, with the same inputs and
thread count; prints one JSON object. model/src/test/python/make_fixtures.py imports it as the
reference implementation of each architecture (Llama 2/3.x with rope_scaling llama3 or linear and
attention_bias, Qwen2's q/k/v biases, Mistral's sliding window), written from Hugging Face's formulas.

Reads config.json and model.safetensors (or the shards of model.safetensors.index.json) without the
safetensors package (Debian's python3-torch has none): an 8-byte header length, a JSON header, raw
little-endian F32, BF16 or F16 data.
"""
import argparse
import json
import math
import os
import struct
import sys
import time

import torch
import torch.nn.functional as F


DTYPES = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16}


def load_safetensors(path):
    """Tensors of one safetensors file in their stored dtype."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, t = e["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[b:t]), dtype=DTYPES[e["dtype"]]).reshape(e["shape"]).clone()
    return out


def load_checkpoint(directory):
    """Every tensor of a checkpoint directory: model.safetensors, or the shards its index lists."""
    single = os.path.join(directory, "model.safetensors")
    if os.path.exists(single):
        return load_safetensors(single)
    index = json.load(open(os.path.join(directory, "model.safetensors.index.json")))
    out = {}
    for shard in sorted(set(index["weight_map"].values())):
        out.update(load_safetensors(os.path.join(directory, shard)))
    assert set(out) == set(index["weight_map"]), "index and shards disagree"
    return out


def inv_frequencies(cfg, D):
    """RoPE's D/2 inverse frequencies theta^(-2j/D), rescaled as rope_scaling says (float64)."""
    rs = cfg.get("rope_scaling") or {}
    theta = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / (theta ** (torch.arange(0, D, 2, dtype=torch.float64) / D))
    kind = rs.get("rope_type", rs.get("type", "default"))
    if kind == "default":
        return inv
    if kind == "linear":  # position interpolation: positions / factor
        return inv / rs["factor"]
    if kind == "llama3":  # transformers' _compute_llama3_parameters
        factor, low, high = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
        old = rs["original_max_position_embeddings"]
        wavelen = 2 * math.pi / inv
        scaled = torch.where(wavelen > old / low, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * scaled / factor + smooth * scaled
        medium = ~(wavelen < old / high) & ~(wavelen > old / low)
        return torch.where(medium, smoothed, scaled)
    raise ValueError("rope_scaling type %s" % kind)


class Llama:
    """Pre-norm decoder: RMSNorm, rotate-half RoPE (optionally scaled), grouped-query attention with
    optional projection biases and sliding window, SwiGLU, tied or untied head. Computes in `dtype`
    (float32 for the benchmark, float64 for the fixtures' reference logits)."""

    def __init__(self, cfg, w, dtype=torch.float32):
        self.c = cfg
        self.w = {k: v.to(dtype) for k, v in w.items()}
        w = self.w
        self.L = cfg["num_hidden_layers"]
        self.H = cfg["num_attention_heads"]
        self.Hkv = cfg.get("num_key_value_heads") or self.H
        self.D = cfg.get("head_dim") or cfg["hidden_size"] // self.H
        self.eps = cfg["rms_norm_eps"]
        tied = cfg.get("tie_word_embeddings", False)
        self.head = w["model.embed_tokens.weight"] if tied else w["lm_head.weight"]
        # the sliding window of Mistral: a query at position i sees keys j with i - j < window
        self.window = (cfg.get("sliding_window") or 0) if cfg.get("model_type") == "mistral" else 0
        inv = inv_frequencies(cfg, self.D)
        ang = torch.arange(cfg["max_position_embeddings"], dtype=torch.float64)[:, None] * inv[None, :]
        self.cos = torch.cat([ang.cos(), ang.cos()], -1).to(dtype)
        self.sin = torch.cat([ang.sin(), ang.sin()], -1).to(dtype)

    def params(self):
        return list(self.w.values())

    def rms(self, x, g):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * g

    def rope(self, x, cos, sin):
        x1, x2 = x.chunk(2, dim=-1)
        return x * cos + torch.cat([-x2, x1], -1) * sin

    def forward(self, ids, pos, bias, cache=None, last_only=False):
        B, T = ids.shape
        w = self.w
        cos = self.cos[pos].unsqueeze(1)  # (B, 1, T, D)
        sin = self.sin[pos].unsqueeze(1)
        x = F.embedding(ids, w["model.embed_tokens.weight"])
        G = self.H // self.Hkv
        for l in range(self.L):
            p = "model.layers.%d." % l
            h = self.rms(x, w[p + "input_layernorm.weight"])
            a = p + "self_attn."
            q = F.linear(h, w[a + "q_proj.weight"], w.get(a + "q_proj.bias")).view(B, T, self.H, self.D).transpose(1, 2)
            k = F.linear(h, w[a + "k_proj.weight"], w.get(a + "k_proj.bias")).view(B, T, self.Hkv, self.D).transpose(1, 2)
            v = F.linear(h, w[a + "v_proj.weight"], w.get(a + "v_proj.bias")).view(B, T, self.Hkv, self.D).transpose(1, 2)
            q, k = self.rope(q, cos, sin), self.rope(k, cos, sin)
            if cache is not None:
                if l in cache:
                    k = torch.cat([cache[l][0], k], 2)
                    v = torch.cat([cache[l][1], v], 2)
                cache[l] = (k, v)
            Tk = k.shape[2]
            if G > 1:
                k = k.repeat_interleave(G, 1)
                v = v.repeat_interleave(G, 1)
            att = (q @ k.transpose(-1, -2)) / math.sqrt(self.D) + bias  # (B, H, T, Tk)
            y = att.softmax(-1) @ v
            x = x + F.linear(y.transpose(1, 2).reshape(B, T, self.H * self.D), w[a + "o_proj.weight"], w.get(a + "o_proj.bias"))
            h = self.rms(x, w[p + "post_attention_layernorm.weight"])
            x = x + F.linear(F.silu(F.linear(h, w[p + "mlp.gate_proj.weight"])) * F.linear(h, w[p + "mlp.up_proj.weight"]),
                             w[p + "mlp.down_proj.weight"])
        if last_only:
            x = x[:, -1:, :]
        return F.linear(self.rms(x, w["model.norm.weight"]), self.head)


def causal_bias(T, Tk, start, window=0):
    """(1, 1, T, Tk): 0 where query slot start + t may see key slot k (k <= q, and q - k < window if any)."""
    q = torch.arange(start, start + T)[:, None]
    k = torch.arange(Tk)[None, :]
    visible = (k <= q) & ((q - k < window) if window > 0 else True)
    return torch.where(visible, 0.0, -1e9)[None, None]


@torch.no_grad()
def generate(model, prompts, new_tokens, use_cache):
    B, Tp = prompts.shape
    seq = prompts
    cache = {} if use_cache else None
    logits = model.forward(seq, torch.arange(Tp).expand(B, Tp), causal_bias(Tp, Tp, 0, model.window), cache, True)
    out = []
    for i in range(new_tokens):
        nxt = logits[:, -1].argmax(-1, keepdim=True)
        out.append(nxt)
        if i == new_tokens - 1:
            break
        seq = torch.cat([seq, nxt], 1)
        t = seq.shape[1]
        if use_cache:
            logits = model.forward(nxt, torch.full((B, 1), t - 1), causal_bias(1, t, t - 1, model.window), cache, True)
        else:
            logits = model.forward(seq, torch.arange(t).expand(B, t), causal_bias(t, t, 0, model.window), None, True)
    return torch.cat(out, 1)


def seq_logps(model, ids, prompt_len):
    B, T = ids.shape
    logits = model.forward(ids[:, :-1], torch.arange(T - 1).expand(B, T - 1), causal_bias(T - 1, T - 1, 0, model.window))
    lp = logits.log_softmax(-1).gather(-1, ids[:, 1:, None]).squeeze(-1)
    mask = torch.zeros(T - 1)
    mask[prompt_len - 1:] = 1
    return (lp * mask).sum(-1), mask.sum()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--inputs", required=True, help="JSON with prompts, train sequences and step counts")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    cfg = json.load(open(a.checkpoint + "/config.json"))
    w = load_checkpoint(a.checkpoint)
    model = Llama(cfg, w)
    inp = json.load(open(a.inputs))
    res = {"torch": torch.__version__, "threads": torch.get_num_threads()}

    for key, batch in (("b1", 1), ("b16", 16)):
        prompts = torch.tensor(inp["prompts"][:batch])
        for use_cache in (True, False):
            name = "gen_%s_%s" % (key, "cache" if use_cache else "nocache")
            n = inp["new_tokens"] if use_cache or batch == 1 else inp["new_tokens_nocache_b16"]
            generate(model, prompts, 4, use_cache)  # warm-up
            t0 = time.perf_counter()
            out = generate(model, prompts, n, use_cache)
            dt = time.perf_counter() - t0
            res[name] = batch * n / dt
            if key == "b1" and use_cache:
                res["greedy_b1"] = out[0].tolist()

    params = model.params()
    for p in params:
        p.requires_grad_(True)
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)
    seqs = torch.tensor(inp["train"])  # (16, T)
    P = inp["train_prompt_len"]

    def sft_step():
        opt.zero_grad(set_to_none=False)
        lp, n = seq_logps(model, seqs, P)
        loss = -lp.sum() / (n * seqs.shape[0])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    chosen, rejected = seqs[: seqs.shape[0] // 2], seqs[seqs.shape[0] // 2:]
    with torch.no_grad():
        ref, _ = seq_logps(model, torch.cat([chosen, rejected]), P)

    def dpo_step():
        opt.zero_grad(set_to_none=False)
        lp, _ = seq_logps(model, torch.cat([chosen, rejected]), P)
        b = chosen.shape[0]
        margin = 0.1 * ((lp[:b] - ref[:b]) - (lp[b:] - ref[b:]))
        loss = F.softplus(-margin).mean()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    tokens = seqs.numel()
    for name, step in (("sft", sft_step), ("dpo", dpo_step)):
        step()  # warm-up
        t0 = time.perf_counter()
        for _ in range(inp["train_steps"]):
            step()
        res[name] = tokens * inp["train_steps"] / (time.perf_counter() - t0)
    # VmHWM, not getrusage: a child spawned by the JVM inherits the parent's ru_maxrss
    with open("/proc/self/status") as f:
        res["peak_rss_mb"] = next(int(l.split()[1]) for l in f if l.startswith("VmHWM:")) / 1024
    json.dump(res, sys.stdout)


if __name__ == "__main__":
    main()
