namespace Mimicry.Tests.ArchFixture.High
{
    /// <summary>A type of an upper layer (architecture test fixture).</summary>
    public sealed class Top
    {
        public int Value => 1;
    }
}

namespace Mimicry.Tests.ArchFixture.Low
{
    /// <summary>A lower-layer type that uses an upper one: the edge the architecture check must report.</summary>
    public static class UsesHigh
    {
        public static int Read() => new High.Top().Value;
    }
}
