using System.Diagnostics;
using Mimicry.Envs.Chipmunk;
using Mimicry.Envs.PushT;

namespace Mimicry.Tests.Envs;

/// <summary>Runs alone (after the parallel tests), so the process's memory is this test's to measure.</summary>
[CollectionDefinition(nameof(MemoryMeasurements), DisableParallelization = true)]
public class MemoryMeasurements;

[Collection(nameof(MemoryMeasurements))]
public class PushTLeakTests
{
    [Fact]
    public void Ten_thousand_resets_free_every_native_object()
    {
        long baseline = CpSpace.LiveNativeObjects;
        using (var env = new PushTEnv())
        {
            for (int i = 0; i < 1000; i++) { env.Reset(i); env.Step(256, 256); } // warm up allocator pools
            GC.Collect();
            long before = Process.GetCurrentProcess().WorkingSet64;
            for (int i = 0; i < 10_000; i++) { env.Reset(i); env.Step(200, 300); }
            GC.Collect();
            long grown = Process.GetCurrentProcess().WorkingSet64 - before;
            // One leaked space with its bodies and shapes is several KB; 10,000 would be tens of MB.
            Assert.True(grown < 8 * 1024 * 1024, $"working set grew by {grown / 1024} KB over 10,000 resets");
            // One world alive: space + 2 bodies + 7 shapes.
            Assert.Equal(baseline + 10, CpSpace.LiveNativeObjects);
        }
        Assert.Equal(baseline, CpSpace.LiveNativeObjects);
    }
}
