using Mimicry.Nn;
using TorchSharp;

namespace Mimicry.Tests.Nn;

public class NormTests
{
    [Fact]
    public void Group_and_layer_norm_start_as_identity_affine()
    {
        for (int i = 0; i < 20; i++) // the bug showed as garbage in some allocations, not all
        {
            var g = Norms.GroupNorm(8, 64);
            Assert.True(g.weight!.eq(1).all().item<bool>());
            Assert.True(g.bias!.eq(0).all().item<bool>());
            var l = Norms.LayerNorm(64);
            Assert.True(l.weight!.eq(1).all().item<bool>());
            Assert.True(l.bias!.eq(0).all().item<bool>());
        }
    }

    [Fact]
    public void Conv1d_block_output_is_finite_and_normalized()
    {
        var block = new Conv1dBlock(2, 32, 5, 8);
        var y = block.forward(torch.randn(4, 2, 16) * 100);
        Assert.False(y.isnan().any().item<bool>());
        Assert.True(y.abs().max().item<float>() < 20);
    }
}
