using System.Text.Json;
using Mimicry.Configuration;
using Mimicry.Data;
using Mimicry.Data.Sampling;
using Mimicry.Policies;
using Mimicry.Policies.Diffusion;
using Mimicry.Training;
using Mimicry.Tests.Envs;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Mimicry.Tests.Training;

/// <summary>Training runs share the process's torch thread setting, so they do not run in parallel with each other.</summary>
[Collection(nameof(MemoryMeasurements))]
public class DiffusionTrainingTests
{
    [Fact]
    public void A_tiny_unet_overfits_one_window()
    {
        var data = TinyRuns.PushT(1);
        var config = TinyRuns.Diffusion(steps: 0);
        var policyConfig = (DiffusionConfig)config.Policy;
        torch.manual_seed(0);
        var normalizers = Mimicry.Policies.PolicyNormalizers.From(data.Stats!, policyConfig);
        using var policy = new DiffusionPolicy(policyConfig with { Sampler = Mimicry.Generative.SamplerKind.Ddim, NumInferenceSteps = 10 }, normalizers);
        var loader = new BatchLoader(data, [0], policyConfig.TrainingWindow, normalizers.All(), 64, seed: 0);
        int window = 40;
        using var batch = loader.Assemble(Enumerable.Repeat(window, 64).ToArray());
        using var opt = new Mimicry.Training.Optim.FlatAdamW(Mimicry.Training.Optim.FlatParameterGroup.Create(policy.Network), 2e-3, weightDecay: 0);
        using var gen = new Generator(0);
        float loss = 0;
        for (int i = 0; i < 1000; i++)
        {
            using var scope = torch.NewDisposeScope();
            opt.ZeroGrad();
            var l = policy.ComputeLoss(batch, gen).Loss;
            l.backward();
            opt.Step();
            loss = l.item<float>();
        }
        Assert.True(loss < 0.05, $"final loss {loss}");

        // Sampling from noise reproduces the window's executed actions.
        var kp = data.Values(FeatureKeys.Keypoints);
        var obs = new float[2 * 20];
        for (int k = 0; k < 2; k++) Array.Copy(kp, loader.Sampler.FrameAt(window, k).Frame * 20, obs, k * 20, 20);
        using var actions = policy.PredictActionChunk(torch.tensor(obs).reshape(1, 2, 20), new Generator(3));
        var predicted = actions.data<float>().ToArray();
        var recorded = data.Values(FeatureKeys.Action);
        double err = 0;
        for (int k = 0; k < 8; k++)
        {
            long frame = loader.Sampler.FrameAt(window, 1 + k).Frame;
            err = Math.Max(err, Math.Abs(predicted[2 * k] - recorded[frame * 2]) + Math.Abs(predicted[2 * k + 1] - recorded[frame * 2 + 1]));
        }
        Console.WriteLine($"max L1 error {err:F1} pixels");
        Assert.True(err < 20, $"max L1 error {err:F1} pixels");
    }

}
