// Test classes run one at a time. TorchSharp frees the Scalars it creates inside AdamW.step by finalizer; a garbage
// collection triggered by another test's thread while a step is in native code freed one still in use in
// two fresh-clone runs in a row on an AVX-512 EPYC (and once in a compare run) (session 7: "Unknown scalar type", "Scalar toDouble"; dotnet/TorchSharp#1434).
// On 2 cores torch already uses both for one test, so running classes in parallel bought little.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
