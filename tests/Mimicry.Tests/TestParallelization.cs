// Test classes run one at a time. The crash that made this necessary ("Unknown scalar type", "Scalar toDouble":
// TorchSharp frees a Scalar made by implicit conversion in its finalizer, which a collection on another thread can run
// while libtorch still reads it, dotnet/TorchSharp#1434) lived in TorchSharp's AdamW.step, about ten such Scalars per
// parameter tensor per step; Mimicry's own AdamW and EMA hold theirs (OptimizerTests' stress test). Model code still makes
// a few implicit Scalars per forward pass, and on 2 cores torch already uses both for one test, so parallel classes
// would buy little for that remaining risk.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
