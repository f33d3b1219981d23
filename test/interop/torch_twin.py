"""The PyTorch twins of webgpu-vae's dense and conv models, and a check that a checkpoint
loads into it with load_state_dict(strict=True) and gives the same test loss.

    python3 torch_twin.py RUN_DIR IMAGES.f32 LABELS.u8 EPS.f32

reads RUN_DIR/config.json and RUN_DIR/model.safetensors (parsed here: the format
is an 8-byte header length, a JSON header and raw little-endian tensors, so no
safetensors package is needed), the test images [n, D] and labels [n], and the
posterior noise eps [n, latent] that webgpu-vae's evaluation drew, and prints
{"test_loss", "recon", "kl", "n"} as JSON, per image in nats, as `evaluate` does.
"""
import json
import math
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ACTIVATIONS = {
    "identity": nn.Identity,
    "relu": nn.ReLU,
    "leaky_relu": lambda: nn.LeakyReLU(0.01),
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "softplus": nn.Softplus,
    "gelu": lambda: nn.GELU(approximate="tanh"),
}


class LatentModel(nn.Module):
    """The objective shared by both networks: reconstruction + beta * KL (KL = 0 for 'ae')."""

    def loss(self, x, y, eps):
        """Per image: reconstruction + beta * KL, in nats (sums over pixels and latents)."""
        mu, logvar = self.encode(x, y)
        z = mu + torch.exp(0.5 * logvar) * eps if self.vae else mu
        out = self.decode(z, y)
        if self.c["likelihood"] == "bernoulli":
            recon = F.binary_cross_entropy_with_logits(out, x, reduction="none").sum(1)
        else:
            s = self.c["sigma"]
            recon = (0.5 * ((x - out) / s) ** 2 + math.log(s) + 0.5 * math.log(2 * math.pi)).sum(1)
        kl = -0.5 * (1 + logvar - mu**2 - logvar.exp()).sum(1) if self.vae else torch.zeros_like(recon)
        return recon + self.c["beta"] * kl, recon, kl


class DenseVAE(LatentModel):
    """config.json's "model": kind 'vae' (or 'ae'), hidden widths, latent, classes."""

    def __init__(self, c):
        super().__init__()
        D, C, L, H = c["inputSize"], c["classes"], c["latent"], c["hidden"]
        self.c, self.vae, self.classic = c, c["kind"] == "vae", len(H) == 1
        self.act = ACTIVATIONS[c["activation"]]()
        if self.classic:  # PyTorch's examples/vae layout
            self.fc1 = nn.Linear(D + C, H[0])
            self.fc21 = nn.Linear(H[0], L)
            if self.vae:
                self.fc22 = nn.Linear(H[0], L)
            self.fc3 = nn.Linear(L + C, H[0])
            self.fc4 = nn.Linear(H[0], D)
        else:
            widths = [D + C] + H
            self.encoder = nn.Sequential(*[m for a, b in zip(widths, widths[1:]) for m in (nn.Linear(a, b), ACTIVATIONS[c["activation"]]())])
            self.fc_mu = nn.Linear(H[-1], L)
            if self.vae:
                self.fc_logvar = nn.Linear(H[-1], L)
            widths = [L + C] + H[::-1] + [D]
            layers = [m for a, b in zip(widths, widths[1:]) for m in (nn.Linear(a, b), ACTIVATIONS[c["activation"]]())]
            self.decoder = nn.Sequential(*layers[:-1])  # no activation after the last layer

    def encode(self, x, y):
        h = torch.cat([x, y], 1) if y is not None else x
        if self.classic:
            h = self.act(self.fc1(h))
            return self.fc21(h), (self.fc22(h) if self.vae else None)
        h = self.encoder(h)
        return self.fc_mu(h), (self.fc_logvar(h) if self.vae else None)

    def decode(self, z, y):
        h = torch.cat([z, y], 1) if y is not None else z
        return self.fc4(self.act(self.fc3(h))) if self.classic else self.decoder(h)



class ConvVAE(LatentModel):
    """network 'conv': stride-2 3x3 convolutions of `channels` widths, mirrored by
    transposed convolutions whose output_padding brings each side back to its size."""

    def __init__(self, c):
        super().__init__()
        self.c, self.vae = c, c["kind"] == "vae"
        C, L, ch = c["classes"], c["latent"], c["channels"]
        act = ACTIVATIONS[c["activation"]]
        rows, cols = [c["imageRows"]], [c["imageCols"]]
        for _ in ch:
            rows.append((rows[-1] + 1) // 2)
            cols.append((cols[-1] + 1) // 2)
        widths = [1] + ch
        self.code = (ch[-1], rows[-1], cols[-1])
        flat = ch[-1] * rows[-1] * cols[-1]
        self.encoder = nn.Sequential(*[m for a, b in zip(widths, widths[1:]) for m in (nn.Conv2d(a, b, 3, stride=2, padding=1), act())])
        self.fc_mu = nn.Linear(flat + C, L)
        if self.vae:
            self.fc_logvar = nn.Linear(flat + C, L)
        self.fc_decode = nn.Linear(L + C, flat)
        self.act = act()
        layers = []
        for l in reversed(range(len(ch))):
            pad = (rows[l] - 2 * rows[l + 1] + 1, cols[l] - 2 * cols[l + 1] + 1)
            layers += [nn.ConvTranspose2d(widths[l + 1], widths[l], 3, stride=2, padding=1, output_padding=pad), act()]
        self.decoder = nn.Sequential(*layers[:-1])  # logits: no activation after the last layer

    def encode(self, x, y):
        h = self.encoder(x.view(-1, 1, self.c["imageRows"], self.c["imageCols"])).flatten(1)
        h = torch.cat([h, y], 1) if y is not None else h
        return self.fc_mu(h), (self.fc_logvar(h) if self.vae else None)

    def decode(self, z, y):
        h = torch.cat([z, y], 1) if y is not None else z
        h = self.act(self.fc_decode(h)).view(-1, *self.code)
        return self.decoder(h).flatten(1)


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    body = data[8 + n :]
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        assert t["dtype"] == "F32", t
        a, b = t["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(body[a:b], dtype="<f4").reshape(t["shape"]).copy())
    return out


def main(run, images_path, labels_path, eps_path):
    config = json.load(open(f"{run}/config.json"))["model"]
    model = (ConvVAE if config.get("network") == "conv" else DenseVAE)(config).double()
    model.load_state_dict({k: v.double() for k, v in load_safetensors(f"{run}/model.safetensors").items()}, strict=True)
    D, L, C = config["inputSize"], config["latent"], config["classes"]
    x = torch.from_numpy(np.fromfile(images_path, dtype="<f4").astype(np.float64)).reshape(-1, D)
    n = x.shape[0]
    labels = torch.from_numpy(np.fromfile(labels_path, dtype=np.uint8).astype(np.int64))
    y = F.one_hot(labels, C).double() if C else None
    eps = torch.from_numpy(np.fromfile(eps_path, dtype="<f4").astype(np.float64)).reshape(n, L)
    with torch.no_grad():
        loss, recon, kl = model.loss(x, y, eps)
    print(json.dumps({"test_loss": loss.mean().item(), "recon": recon.mean().item(), "kl": kl.mean().item(), "n": n}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
