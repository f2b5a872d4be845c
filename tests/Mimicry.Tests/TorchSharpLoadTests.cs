using TorchSharp;
using static TorchSharp.torch;

namespace Mimicry.Tests;

public class TorchSharpLoadTests
{
    [Fact]
    public void TorchSharp_loads_and_a_tiny_mlp_learns()
    {
        torch.manual_seed(0);
        using var scope = torch.NewDisposeScope();
        var net = nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 1));
        var opt = optim.Adam(net.parameters(), lr: 1e-2);
        var x = torch.randn(256, 4);
        var y = (x[.., 0] * 2 - x[.., 1] + x[.., 2] * x[.., 3]).unsqueeze(1);
        float first = 0, last = 0;
        for (int step = 0; step < 200; step++)
        {
            using var inner = torch.NewDisposeScope();
            opt.zero_grad();
            var loss = nn.functional.mse_loss(net.forward(x), y);
            loss.backward();
            opt.step();
            if (step == 0) first = loss.item<float>();
            last = loss.item<float>();
        }
        Assert.True(last < first * 0.2, $"loss {first} -> {last}");
    }
}
