using Mimicry.Data;
using Mimicry.Nn;
using Mimicry.Policies;
using Mimicry.Policies.Bc;
using Mimicry.Tests.Training;

namespace Mimicry.Tests.Nn;

public class FlopTests
{
    /// <summary>
    /// U-Net with Da 1, levels [2, 4], H 4, step embedding 2, kernel 3, FiLM bias only, observation 1 (FiLM input 3), by hand:
    /// step encoder 2·2·8·2 = 64. Down 0 (1→2, length 4): block(1,2) = 2·1·2·3·4 + 2·2·2·3·4 + 2·3·2 + 1×1 residual 2·1·2·4
    /// = 48 + 96 + 12 + 16 = 172; block(2,2) = 96 + 96 + 12 = 204; downsample 2·2·2·3·2 = 48. Down 1 (2→4, length 2):
    /// block(2,4) = 96 + 192 + 24 + 32 = 344; block(4,4) = 192 + 192 + 24 = 408. Mid 2 × 408. Up (8→2, length 2):
    /// block(8,2) = 192 + 48 + 12 + 64 = 316; block(2,2) = 48 + 48 + 12 = 108; upsample 2·2·2·4·2 = 64. Final conv
    /// 2·2·2·3·4 = 96 and 1×1 2·2·1·4 = 16. Total 64 + 424 + 752 + 816 + 488 + 112 = 2,656.
    /// </summary>
    [Fact]
    public void Unet_flops_equal_a_hand_count()
    {
        Assert.Equal(2656, ConditionalUnet1d.ForwardFlops(inputDim: 1, globalCondDim: 1, downDims: [2, 4], horizon: 4, stepEmbedDim: 2, kernelSize: 3, predictScale: false));
    }

    [Fact]
    public void Every_registered_policy_counts_its_flops()
    {
        var data = TinyRuns.PushT(2);
        DerivedFeatures.Ensure(data, PolicyRegistry.All.SelectMany(e => e.Tiny().TrainingWindow.Features.Select(f => f.Key)).Distinct().ToList());
        data.Stats = DatasetStats.Compute(data);
        foreach (var entry in PolicyRegistry.All)
        {
            using var policy = PolicyRegistry.Create(entry.Tiny(), PolicyNormalizers.From(data.Stats!, entry.Tiny()));
            Assert.True(policy.ForwardFlopsPerSample(false) > 0, entry.Name);
            Assert.True(policy.ForwardFlopsPerSample(true) >= policy.ForwardFlopsPerSample(false), entry.Name);
        }
        // BC with the keypoint window 2 × 20 = 40 inputs, hidden [64, 64], 16 × 2 outputs: 2·(40·64 + 64·64 + 64·32) = 17,408.
        var bc = new BcConfig { HiddenDims = [64, 64] };
        using var p = PolicyRegistry.Create(bc, PolicyNormalizers.From(data.Stats!, bc));
        Assert.Equal(17408, p.ForwardFlopsPerSample(false));
    }
}
