using Mimicry.Policies;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mimicry.Training.Optim;

/// <summary>
/// Parameters of one weight-decay group and one dtype living as views into one contiguous buffer, and their
/// gradients likewise, so an optimizer or an EMA updates them all with a handful of whole-buffer ops instead
/// of a dozen small ops per tensor (the multi-tensor idea of PyTorch's <c>foreach</c>/<c>fused</c> AdamW, done
/// with plain ops: NVIDIA Apex's flat master weights, DDP's <c>gradient_as_bucket_view</c>). Backward adds
/// into a gradient that already exists in place, so the views stay the storage of <c>.grad</c> as long as
/// nothing sets a gradient to null: zero with <see cref="ZeroGrad"/>.
/// </summary>
public sealed class FlatParameterGroup : IDisposable
{
    /// <summary>
    /// Each parameter starts at a multiple of this many elements (64 bytes in float32): oneDNN's CPU kernels take a
    /// slower path on weights that are not 64-byte aligned. The gaps hold zeros in values and gradients, which AdamW
    /// and the EMA keep at zero.
    /// </summary>
    public const long Alignment = 16;

    /// <summary>One parameter's place in the buffer.</summary>
    public sealed record Member(string Name, Parameter Parameter, long Offset, long Count, long[] Shape);

    public string Name { get; }
    public bool WeightDecay { get; }
    public ScalarType DType { get; }
    /// <summary>(N,) the parameters' values: each parameter is a view into it.</summary>
    public Tensor Values { get; }
    /// <summary>(N,) the parameters' gradients: each <c>.grad</c> is a view into it.</summary>
    public Tensor Grads { get; }
    public IReadOnlyList<Member> Members { get; }
    /// <summary>Parameter values in the group (the buffer adds alignment gaps).</summary>
    public long Count => Members.Sum(m => m.Count);

    private FlatParameterGroup(string name, bool weightDecay, IReadOnlyList<(string Name, Parameter Parameter)> parameters)
    {
        Name = name;
        WeightDecay = weightDecay;
        DType = parameters[0].Parameter.dtype;
        var device = parameters[0].Parameter.device;
        long offset = 0;
        var members = new List<Member>();
        foreach (var (n, p) in parameters)
        {
            members.Add(new Member(n, p, offset, p.numel(), p.shape));
            offset += (p.numel() + Alignment - 1) / Alignment * Alignment;
        }
        Members = members;
        Values = torch.zeros([offset], dtype: DType, device: device);
        Grads = torch.zeros([offset], dtype: DType, device: device);
        using var noGrad = torch.no_grad();
        foreach (var m in members)
        {
            using var values = View(Values, m);
            values.copy_(m.Parameter);
            m.Parameter.set_(values); // the parameter now shares the buffer's storage
            m.Parameter.grad = View(Grads, m);
        }
    }

    /// <summary>The part of a flat (N,) buffer laid out like this group that belongs to <paramref name="member"/>, in its shape.</summary>
    public static Tensor View(Tensor flat, Member member)
    {
        using var part = flat.narrow(0, member.Offset, member.Count);
        return part.view(member.Shape);
    }

    /// <summary>
    /// Flattens a network's parameters by the policy's groups, split further by dtype; parameters that need no
    /// gradient are left alone. Names are the network's (for the optimizer state and the EMA copy).
    /// </summary>
    public static IReadOnlyList<FlatParameterGroup> Create(nn.Module network, IEnumerable<ParameterGroup> groups)
    {
        var names = new Dictionary<IntPtr, string>();
        foreach (var (name, p) in network.named_parameters()) names[p.Handle] = name;
        var result = new List<FlatParameterGroup>();
        var seen = new HashSet<string>();
        foreach (var g in groups)
        {
            var trainable = g.Parameters.Where(p => p.requires_grad).Select(p =>
            {
                if (!names.TryGetValue(p.Handle, out var name))
                    throw new ArgumentException($"parameter group '{g.Name}' holds a parameter that is not in the network");
                if (!seen.Add(name)) throw new ArgumentException($"parameter {name} is in more than one parameter group");
                return (Name: name, Parameter: p);
            }).ToList();
            foreach (var byType in trainable.GroupBy(t => t.Parameter.dtype))
            {
                string name = trainable.Count == byType.Count() ? g.Name : $"{g.Name}.{byType.Key.ToString().ToLowerInvariant()}";
                result.Add(new FlatParameterGroup(name, g.WeightDecay, byType.ToList()));
            }
        }
        return result;
    }

    /// <summary>All of a network's trained parameters as one decayed group (DP's single AdamW group).</summary>
    public static IReadOnlyList<FlatParameterGroup> Create(nn.Module network) =>
        Create(network, [new ParameterGroup("all", network.parameters().ToList(), WeightDecay: true)]);

    /// <summary>Zeroes every gradient in one op (never to null: the views must stay).</summary>
    public void ZeroGrad() => Grads.zero_();

    public void Dispose()
    {
        Values.Dispose();
        Grads.Dispose();
    }
}
