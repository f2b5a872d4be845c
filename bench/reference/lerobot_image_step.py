#!/usr/bin/python3
"""The image Diffusion Policy's training step in PyTorch, timed beside Mimicry's (bench image-step) on the same machine.

The network is LeRobot's own port of Diffusion Policy's image policy, imported at run time from a huggingface/lerobot checkout
(src/lerobot/policies/diffusion/modeling_diffusion.py: DiffusionModel with DiffusionRgbEncoder -- torchvision resnet18 from
scratch, BatchNorm replaced by GroupNorm, random crop 84, SpatialSoftmax 32 keypoints, Linear -- and DiffusionConditionalUnet1d);
nothing of it is copied here. Its compute_loss runs unchanged. What is written here: import stubs for what the module imports but
the training step does not compute with (lerobot's config/pretrained base classes, diffusers' scheduler, of which only add_noise
is used: diffusers' DDPMScheduler.add_noise with squaredcos_cap_v2 betas), a config namespace with DP's Push-T image values, and
the step: torch.optim.AdamW (lr 1e-4, betas 0.95/0.999, weight decay 1e-6) and Diffusion Policy's EMAModel update (power 0.75,
a per-parameter mul_/add_ loop as diffusion_policy/model/diffusion/ema_model.py), as DP trains. Batches are synthetic
(images already float in [0, 1], as LeRobot's preprocessor hands them over), so the loader is not timed here.

  apt-get install python3-torch python3-torchvision libopenblas0-openmp
  /usr/bin/python3 lerobot_image_step.py --lerobot-src LEROBOT/src --einops-src EINOPS [--configs paper,resnet18-small] [--steps 10]
Prints one JSON object.
"""
import argparse, importlib.util, json, math, os, sys, time, types, datetime, platform

import torch


def stub(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    m = importlib.util.module_from_spec(spec)
    sys.modules[name] = m
    spec.loader.exec_module(m)
    return m


class DDPMSchedulerStub:
    """diffusers' DDPMScheduler, add_noise only: x_t = sqrt(acp_t) x_0 + sqrt(1 - acp_t) eps, squaredcos_cap_v2 betas."""

    def __init__(self, num_train_timesteps=100, beta_schedule="squaredcos_cap_v2", **_):
        assert beta_schedule == "squaredcos_cap_v2"
        f = lambda t: math.cos((t + 0.008) / 1.008 * math.pi / 2) ** 2
        betas = [min(1 - f((i + 1) / num_train_timesteps) / f(i / num_train_timesteps), 0.999) for i in range(num_train_timesteps)]
        self.alphas_cumprod = torch.cumprod(1 - torch.tensor(betas, dtype=torch.float32), 0)
        self.config = types.SimpleNamespace(num_train_timesteps=num_train_timesteps)

    def add_noise(self, x, noise, t):
        acp = self.alphas_cumprod.to(x.device)[t].flatten()
        while acp.dim() < x.dim():
            acp = acp.unsqueeze(-1)
        return acp.sqrt() * x + (1 - acp).sqrt() * noise


def import_modeling(lerobot_src):
    root = os.path.join(lerobot_src, "lerobot")
    for pkg in ["lerobot", "lerobot.utils", "lerobot.policies", "lerobot.policies.diffusion"]:
        m = types.ModuleType(pkg)
        m.__path__ = [os.path.join(lerobot_src, *pkg.split("."))]
        sys.modules[pkg] = m
    stub("huggingface_hub"); stub("huggingface_hub.constants", HF_HOME=os.path.expanduser("~/.cache/huggingface"))  # constants.py reads it
    load("lerobot.utils.constants", os.path.join(root, "utils", "constants.py"))
    stub("lerobot.utils.import_utils", _diffusers_available=True, require_package=lambda *a, **k: None)
    stub("diffusers"); stub("diffusers.schedulers")
    stub("diffusers.schedulers.scheduling_ddpm", DDPMScheduler=DDPMSchedulerStub)
    stub("diffusers.schedulers.scheduling_ddim", DDIMScheduler=DDPMSchedulerStub)
    stub("lerobot.policies.pretrained", PreTrainedPolicy=torch.nn.Module)

    def get_output_shape(module, input_shape):  # lerobot.policies.utils.get_output_shape: a dummy forward
        with torch.inference_mode():
            return tuple(module(torch.zeros(input_shape)).shape)

    stub("lerobot.policies.utils", get_device_from_parameters=lambda m: next(iter(m.parameters())).device,
         get_dtype_from_parameters=lambda m: next(iter(m.parameters())).dtype, get_output_shape=get_output_shape,
         populate_queues=None)
    stub("lerobot.policies.diffusion.configuration_diffusion", DiffusionConfig=object)
    return load("lerobot.policies.diffusion.modeling_diffusion", os.path.join(root, "policies", "diffusion", "modeling_diffusion.py"))


def feature(*shape):
    return types.SimpleNamespace(shape=tuple(shape))


def config(down_dims):
    """Diffusion Policy's Push-T image configuration (LeRobot's DiffusionConfig defaults are the same), U-Net sizes aside."""
    return types.SimpleNamespace(
        robot_state_feature=feature(2), image_features={"observation.image": feature(3, 96, 96)}, env_state_feature=None,
        action_feature=feature(2), use_separate_rgb_encoder_per_camera=False, n_obs_steps=2, horizon=16, n_action_steps=8,
        compile_model=False, noise_scheduler_type="DDPM", num_train_timesteps=100, beta_start=1e-4, beta_end=0.02,
        beta_schedule="squaredcos_cap_v2", clip_sample=True, clip_sample_range=1.0, prediction_type="epsilon",
        num_inference_steps=None, resize_shape=None, crop_shape=(84, 84), crop_is_random=True, vision_backbone="resnet18",
        pretrained_backbone_weights=None, use_group_norm=True, spatial_softmax_num_keypoints=32, down_dims=tuple(down_dims),
        kernel_size=5, n_groups=8, diffusion_step_embed_dim=128, use_film_scale_modulation=True, do_mask_loss_for_padding=False,
        gradient_checkpointing=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lerobot-src", required=True)
    ap.add_argument("--einops-src", required=True)
    ap.add_argument("--configs", default="paper,resnet18-small")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out")
    a = ap.parse_args()
    sys.path.insert(0, os.path.abspath(a.einops_src))
    torch.set_num_threads(a.threads)
    modeling = import_modeling(os.path.abspath(a.lerobot_src))
    result = {"bench": "lerobot-image-step", "date": datetime.datetime.utcnow().isoformat() + "Z", "torch": torch.__version__,
              "threads": torch.get_num_threads(), "batch": a.batch, "timed_steps": a.steps, "machine": platform.processor() or platform.machine()}
    for name in a.configs.split(","):
        dims = {"paper": (512, 1024, 2048), "resnet18-small": (64, 128, 256)}[name]
        torch.manual_seed(0)
        model = modeling.DiffusionModel(config(dims))
        ema = [p.detach().clone() for p in model.parameters()]
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.95, 0.999), eps=1e-8, weight_decay=1e-6)
        b = a.batch
        batch = {"observation.state": torch.randn(b, 2, 2), "observation.images": torch.rand(b, 2, 1, 3, 96, 96),
                 "action": torch.randn(b, 16, 2), "action_is_pad": torch.zeros(b, 16, dtype=torch.bool)}
        step_count = [0]

        def step():
            opt.zero_grad()
            loss = model.compute_loss(batch)
            loss.backward()
            opt.step()
            decay = 1 - (1 + step_count[0]) ** -0.75  # EMAModel.get_decay, inv_gamma 1, power 0.75
            step_count[0] += 1
            with torch.no_grad():
                for e, p in zip(ema, model.parameters()):
                    e.mul_(decay)
                    e.add_(p.detach(), alpha=1 - decay)
            return loss.item()

        for _ in range(a.warmup):
            step()
        t = time.perf_counter()
        for _ in range(a.steps):
            step()
        s = time.perf_counter() - t
        result[name] = {"down_dims": dims, "parameters": sum(p.numel() for p in model.parameters()),
                        "encoder_parameters": sum(p.numel() for p in model.rgb_encoder.parameters()),
                        "steps_per_s": round(a.steps / s, 3), "step_ms": round(1000 * s / a.steps, 1)}
        print(name, result[name], file=sys.stderr)
    text = json.dumps(result, indent=2)
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
