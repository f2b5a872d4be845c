using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimicry.Nn;

/// <summary>
/// A multilayer perceptron: (B, in) → [Linear → Mish (→ Dropout)] per hidden width → Linear → (B, out).
/// Parameter names are <c>net.{i}.weight</c> / <c>net.{i}.bias</c> in layer order.
/// </summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private readonly Sequential net;

    public Mlp(int inputDim, int outputDim, int[] hidden, double dropout = 0) : base(nameof(Mlp))
    {
        var layers = new List<nn.Module<Tensor, Tensor>>();
        int last = inputDim;
        foreach (int h in hidden)
        {
            layers.Add(nn.Linear(last, h));
            layers.Add(nn.Mish());
            if (dropout > 0) layers.Add(nn.Dropout(dropout));
            last = h;
        }
        layers.Add(nn.Linear(last, outputDim));
        net = nn.Sequential(layers);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => net.forward(x);
}
