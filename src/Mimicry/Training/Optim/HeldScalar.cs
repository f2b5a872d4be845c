using TorchSharp;

namespace Mimicry.Training.Optim;

/// <summary>
/// A step-dependent hyperparameter as a <see cref="Scalar"/> its owner holds until the next value replaces it. TorchSharp
/// frees a Scalar made by implicit conversion in its finalizer, which a collection on another thread can run while libtorch
/// still reads it (the "Scalar toDouble" / "Unknown scalar type" crashes, dotnet/TorchSharp#1434).
/// </summary>
internal sealed class HeldScalar : IDisposable
{
    public Scalar? Value { get; private set; }

    /// <summary>Holds <paramref name="value"/> and frees the previous Scalar (no longer in use: ops before this call have read it).</summary>
    public Scalar Set(double value)
    {
        var old = Value;
        Value = value.ToScalar();
        old?.Dispose();
        return Value;
    }

    public void Dispose() => Value?.Dispose();
}
